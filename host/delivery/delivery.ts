/**
 * Delivery: runner output (outbound.db) → channel adapters, plus system actions → inbound.db.
 *
 * Event-driven: a runner's `outbound` notice drains its session at once; the sweep drains running sessions as a
 * slow safety net. Invariants:
 * - One drain per session at a time; a drain requested meanwhile runs once more afterwards.
 * - Every messages_out row ends with exactly one `delivered` row in inbound.db: 'delivered', or 'failed' after
 *   MAX_ATTEMPTS tries (a destination refusal included) — a refused message is never recorded as delivered.
 * - The host never writes outbound.db.
 */
import type { Logger } from 'pino';
import { ChatOutContent, SystemAction } from '../../protocol/messages.js';
import type { InboundDb, MessageOut } from '../../protocol/session-db.js';
import { isoNow } from '../../protocol/session-db.js';
import type { ChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import type { Session } from '../db/schema.js';
import type { SessionDbs } from '../session/session-dbs.js';
import type { SessionManager } from '../session/session-manager.js';
import { syncAcks, type AckSyncResult } from '../sweep/ack-sync.js';
import { authorizeChannelTarget } from './destination-acl.js';
import { applySystemAction } from './system-actions.js';

export const MAX_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [1000, 4000];
const BATCH = 200;

interface DrainState {
  running: boolean;
  again: boolean;
  watermark: number;
  attempts: Map<string, { count: number; nextAt: number }>;
  timer: NodeJS.Timeout | null;
}

export interface DeliveryEvents {
  /** Tasks were scheduled or changed in a session (so the scheduler can re-arm). */
  onScheduleChanged(session: Session): void;
  /** A message reached an adapter (used for metrics and typing state). */
  onDelivered?(session: Session, row: MessageOut): void;
  onAcks?(session: Session, result: AckSyncResult): void;
}

export class Delivery {
  private readonly state = new Map<string, DrainState>();

  constructor(
    private readonly db: CentralDb,
    private readonly dbs: SessionDbs,
    private readonly sessions: SessionManager,
    private readonly channels: ChannelRegistry,
    private readonly events: DeliveryEvents,
    private readonly log: Logger,
    private readonly tz?: string,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Drains a session now (coalescing concurrent requests). Resolves when this drain round is done. */
  async drain(sessionId: string): Promise<void> {
    const st = this.stateOf(sessionId);
    if (st.running) {
      st.again = true;
      return;
    }
    st.running = true;
    try {
      do {
        st.again = false;
        await this.drainOnce(sessionId, st);
      } while (st.again);
    } catch (err) {
      this.log.error(
        { sessionId, err: (err as Error).message },
        'delivery drain failed; the sweep will retry',
      );
    } finally {
      st.running = false;
    }
  }

  forget(sessionId: string): void {
    const st = this.state.get(sessionId);
    if (st?.timer) clearTimeout(st.timer);
    this.state.delete(sessionId);
  }

  close(): void {
    for (const id of [...this.state.keys()]) this.forget(id);
  }

  private stateOf(sessionId: string): DrainState {
    let st = this.state.get(sessionId);
    if (!st) {
      st = { running: false, again: false, watermark: 0, attempts: new Map(), timer: null };
      this.state.set(sessionId, st);
    }
    return st;
  }

  private async drainOnce(sessionId: string, st: DrainState): Promise<void> {
    const session = this.sessions.session(sessionId);
    if (!session) return;
    const ref = this.sessions.refOf(session);
    const outbound = this.dbs.outbound(ref);
    if (!outbound) return;
    const inbound = this.dbs.inbound(ref);
    const acks = syncAcks(inbound, outbound, new Date(), this.tz);
    if (acks.completed + acks.failed > 0) this.events.onAcks?.(session, acks);
    if (acks.recurred > 0) this.events.onScheduleChanged(session);

    const rows = outbound
      .prepare(`SELECT * FROM messages_out WHERE seq > ? ORDER BY seq LIMIT ${BATCH}`)
      .all(st.watermark) as MessageOut[];
    if (rows.length === 0) return;
    const done = finalizedIds(
      inbound,
      rows.map((r) => r.id),
    );
    const now = Date.now();
    let blockedAt: number | null = null;
    let wakeAt = Infinity;
    for (const row of rows) {
      if (done.has(row.id)) continue;
      const dueAt = Math.max(
        row.deliver_after ? Date.parse(row.deliver_after) : 0,
        st.attempts.get(row.id)?.nextAt ?? 0,
      );
      if (dueAt > now) {
        blockedAt ??= row.seq;
        wakeAt = Math.min(wakeAt, dueAt);
        continue;
      }
      const finished = await this.deliverRow(session, inbound, row, st);
      if (!finished) {
        blockedAt ??= row.seq;
        wakeAt = Math.min(wakeAt, st.attempts.get(row.id)!.nextAt);
      }
    }
    const lastSeq = rows[rows.length - 1]!.seq;
    st.watermark = blockedAt === null ? lastSeq : Math.max(st.watermark, blockedAt - 1);
    if (rows.length === BATCH && blockedAt === null) st.again = true;
    if (wakeAt !== Infinity) this.retryAt(sessionId, st, wakeAt);
  }

  private retryAt(sessionId: string, st: DrainState, at: number): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(
      () => {
        st.timer = null;
        void this.drain(sessionId);
      },
      Math.max(0, at - Date.now()),
    );
    st.timer.unref();
  }

  /** Returns true when the row is finished (delivered or failed for good). */
  private async deliverRow(
    session: Session,
    inbound: InboundDb,
    row: MessageOut,
    st: DrainState,
  ): Promise<boolean> {
    const ctx = { sessionId: session.id, agentGroup: session.agent_group_id, messageOutId: row.id };
    try {
      const platformMessageId =
        row.kind === 'system'
          ? this.applySystem(session, inbound, row)
          : await this.sendChat(session, inbound, row);
      record(inbound, row.id, 'delivered', platformMessageId, null);
      st.attempts.delete(row.id);
      if (row.kind !== 'system') this.events.onDelivered?.(session, row);
      return true;
    } catch (err) {
      const message = (err as Error).message;
      const attempt = (st.attempts.get(row.id)?.count ?? 0) + 1;
      if (attempt >= MAX_ATTEMPTS) {
        record(inbound, row.id, 'failed', null, message);
        st.attempts.delete(row.id);
        this.log.warn({ ...ctx, attempts: attempt, reason: message }, 'delivery failed for good');
        return true;
      }
      st.attempts.set(row.id, {
        count: attempt,
        nextAt: Date.now() + (this.retryDelaysMs[attempt - 1] ?? 1000),
      });
      this.log.info({ ...ctx, attempt, reason: message }, 'delivery failed; will retry');
      return false;
    }
  }

  private applySystem(session: Session, inbound: InboundDb, row: MessageOut): null {
    const action = SystemAction.parse(JSON.parse(row.content));
    const routing = inbound.first(inbound.q.selectFrom('session_routing').selectAll());
    applySystemAction(
      inbound,
      this.dbs.outbound(this.sessions.refOf(session)),
      action,
      {
        channelType: row.channel_type ?? routing?.channel_type ?? null,
        platformId: row.platform_id ?? routing?.platform_id ?? null,
        threadId: row.thread_id ?? routing?.thread_id ?? null,
      },
      this.tz,
    );
    this.log.info({ sessionId: session.id, action: action.action }, 'applied runner action');
    this.events.onScheduleChanged(session);
    return null;
  }

  private async sendChat(session: Session, inbound: InboundDb, row: MessageOut): Promise<string | null> {
    const content = ChatOutContent.parse(JSON.parse(row.content));
    const routing = inbound.first(inbound.q.selectFrom('session_routing').selectAll());
    const channelType = row.channel_type ?? routing?.channel_type;
    const platformId = row.platform_id ?? routing?.platform_id;
    if (!channelType || !platformId)
      throw new Error('message has no target and the session has no origin chat');
    const threadId = row.channel_type ? row.thread_id : (row.thread_id ?? routing?.thread_id ?? null);
    authorizeChannelTarget(this.db, session, channelType, platformId);
    const adapter = this.channels.get(channelType);
    if (!adapter) throw new Error(`no adapter for channel ${channelType}`);
    const to = { channelType, platformId, threadId };
    if (content.question) {
      this.db.run(
        this.db.q
          .insertInto('pending_questions')
          .values({
            question_id: content.question.questionId,
            session_id: session.id,
            message_out_id: row.id,
            channel_type: channelType,
            platform_id: platformId,
            thread_id: threadId,
            title: content.question.title,
            options: JSON.stringify(content.question.options),
            created_at: nowIso(),
          })
          .onConflict((oc) => oc.column('question_id').doNothing()),
      );
    }
    const sent = await adapter.send(to, {
      text: content.text,
      inReplyTo: row.in_reply_to,
      ...(content.question ? { question: { ...content.question, question: content.text } } : {}),
    });
    return sent.platformMessageId;
  }
}

function finalizedIds(inbound: InboundDb, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = inbound
    .prepare(`SELECT message_out_id FROM delivered WHERE message_out_id IN (${ids.map(() => '?').join(',')})`)
    .all(...ids) as { message_out_id: string }[];
  return new Set(rows.map((r) => r.message_out_id));
}

function record(
  inbound: InboundDb,
  id: string,
  status: 'delivered' | 'failed',
  platformMessageId: string | null,
  error: string | null,
): void {
  inbound
    .prepare(
      `INSERT INTO delivered (message_out_id, platform_message_id, status, error, delivered_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(message_out_id) DO NOTHING`,
    )
    .run(id, platformMessageId, status, error, isoNow());
}
