/**
 * What the host itself says — command replies, /help, refusals — on the same terms as agent messages: a target
 * check (authorizeHostTarget), MAX_ATTEMPTS tries with the same delays, and an audit row (host_messages).
 *
 * Invariants:
 * - A host message is a host_messages row before any send is tried, so a crash between accepting and sending
 *   loses nothing: `resume` (at start-up) tries every row still pending.
 * - Every row ends 'delivered' or 'failed' (with the error); a refused target is never recorded as delivered.
 *   Another process's lock on the central DB (SQLITE_BUSY) is not a try: the row stays pending and is tried
 *   again later (a web message sent twice is stored once: its sourceId is the row id). A retry never rejects.
 * - The host never writes a session's outbound.db: host messages have their own queue.
 */
import type { Logger } from 'pino';
import type { HostMessageKind } from '../../protocol/vocabulary.js';
import type { ChannelRegistry, ChatAddress } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import type { HostMessage } from '../db/schema.js';
import { sendThroughAdapter } from './channel-send.js';
import { authorizeHostTarget } from './destination-acl.js';
import { isLockFault } from '../session/session-faults.js';
import { MAX_ATTEMPTS, retryDelay } from './retry.js';

/** How long a host message waits before it is tried again after it found the central DB locked. */
const LOCK_RETRY_MS = 1000;

export interface HostMessageInput {
  kind: HostMessageKind;
  to: ChatAddress;
  text: string;
  /** The inbound message this answers, when there is one. */
  inReplyTo?: string | null;
  /** Buttons (an approval card): clicks come back through the sink's onAction with the card's questionId. */
  card?: HostCard;
}

export interface HostCard {
  questionId: string;
  title: string;
  options: { label: string; value: string }[];
}

export interface HostOutboxOptions {
  db: CentralDb;
  channels: ChannelRegistry;
  log: Logger;
  retryDelaysMs: readonly number[];
  onDelivered(channelType: string): void;
}

export class HostOutbox {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly o: HostOutboxOptions) {}

  async send(m: HostMessageInput): Promise<HostMessage> {
    const { db } = this.o;
    const row: HostMessage = {
      id: newId('hmsg'),
      kind: m.kind,
      channel_type: m.to.channelType,
      platform_id: m.to.platformId,
      thread_id: m.to.threadId,
      text: m.text,
      in_reply_to: m.inReplyTo ?? null,
      status: 'pending',
      attempts: 0,
      platform_message_id: null,
      error: null,
      created_at: nowIso(),
      finished_at: null,
      card: m.card ? JSON.stringify(m.card) : null,
    };
    db.run(db.q.insertInto('host_messages').values(row));
    return this.attempt(row);
  }

  async resume(): Promise<void> {
    const { db } = this.o;
    const pending = db.all(
      db.q.selectFrom('host_messages').selectAll().where('status', '=', 'pending').orderBy('created_at'),
    );
    for (const row of pending) await this.attempt(row);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async attempt(row: HostMessage): Promise<HostMessage> {
    const { db, log } = this.o;
    const ctx = { hostMessageId: row.id, kind: row.kind, channel: row.channel_type };
    const to = { channelType: row.channel_type, platformId: row.platform_id, threadId: row.thread_id };
    const attempts = row.attempts + 1;
    let update: Partial<HostMessage>;
    try {
      authorizeHostTarget(db, to.channelType, to.platformId);
      const card = row.card ? (JSON.parse(row.card) as HostCard) : null;
      const sent = await sendThroughAdapter(this.o.channels, to, {
        author: { kind: 'host', hostKind: row.kind },
        sourceId: row.id,
        text: row.text,
        inReplyTo: row.in_reply_to,
        ...(card ? { question: { ...card, question: row.text } } : {}),
      });
      update = {
        status: 'delivered',
        attempts,
        platform_message_id: sent.platformMessageId,
        finished_at: nowIso(),
      };
      this.o.onDelivered(row.channel_type);
    } catch (err) {
      const error = (err as Error).message;
      if (isLockFault(err)) {
        log.warn({ ...ctx, reason: error }, 'host message waits for a database lock');
        this.retryLater(row, LOCK_RETRY_MS);
        return row;
      }
      if (attempts >= MAX_ATTEMPTS) {
        update = { status: 'failed', attempts, error, finished_at: nowIso() };
        log.warn({ ...ctx, attempts, reason: error }, 'host message failed for good');
      } else {
        update = { attempts, error };
        log.info({ ...ctx, attempt: attempts, reason: error }, 'host message failed; will retry');
        this.retryLater({ ...row, ...update }, retryDelay(this.o.retryDelaysMs, attempts));
      }
    }
    try {
      db.run(db.q.updateTable('host_messages').set(update).where('id', '=', row.id));
    } catch (err) {
      if (!isLockFault(err)) throw err;
      log.warn({ ...ctx, reason: (err as Error).message }, 'host message outcome waits for a database lock');
      if (update.status !== undefined) this.retryLater(row, LOCK_RETRY_MS);
      return row;
    }
    return { ...row, ...update };
  }

  private retryLater(row: HostMessage, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(row.id);
      this.attempt(row).catch((err: unknown) =>
        this.o.log.error({ hostMessageId: row.id, err: (err as Error).message }, 'host message retry failed'),
      );
    }, delayMs);
    timer.unref();
    this.timers.set(row.id, timer);
  }
}
