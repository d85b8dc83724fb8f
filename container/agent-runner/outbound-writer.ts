/**
 * The runner's writes, all to outbound.db (the runner is its only writer).
 *
 * Invariants:
 * - Every messages_out row gets the next odd seq above max(seq) over BOTH files, computed inside the writing
 *   transaction, so seq orders the conversation and never collides.
 * - Content is validated against the protocol schemas before it is written; an invalid row is a bug and throws.
 * - One call = one transaction (BEGIN IMMEDIATE): a turn's reply, its acks and its continuation land together
 *   or not at all. 'commit' subscribers run after the commit, never inside it.
 */
import { randomBytes } from 'node:crypto';
import type { AckStatus } from '../../protocol/messages.js';
import { OutboundChatContent, SystemAction } from '../../protocol/messages.js';
import { isoNow, nextOddSeq, type OutboundDb } from '../../protocol/session-db.js';
import type { Routing } from './inbound-reader.js';

export type OutMessage =
  | { kind: 'chat'; address: Routing; inReplyTo: string | null; content: OutboundChatContent }
  | { kind: 'system'; content: SystemAction; inReplyTo?: string | null };

export interface Commit {
  messages?: OutMessage[];
  acks?: { id: string; status: AckStatus }[];
  setState?: Record<string, string>;
  deleteState?: string[];
}

export interface Written {
  id: string;
  seq: number;
}

function newOutId(): string {
  return `out-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Crash recovery, before the writer exists: messages claimed by a previous run become eligible again. */
export function clearStaleClaims(db: OutboundDb): number {
  return db.run(db.q.deleteFrom('processing_ack').where('status', '=', 'processing')).changes;
}

export class OutboundWriter {
  private readonly commitSubscribers: ((maxOutSeq: number) => void)[] = [];

  constructor(
    private readonly db: OutboundDb,
    private readonly inboundMaxSeq: () => number,
  ) {}

  /** `fn` runs after every commit with the highest seq in outbound.db. */
  on(event: 'commit', fn: (maxOutSeq: number) => void): void {
    this.commitSubscribers.push(fn);
  }

  claim(ids: string[]): void {
    this.commit({ acks: ids.map((id) => ({ id, status: 'processing' })) });
  }

  /** Drops 'processing' claims (a turn abandoned at shutdown), so the host sees them unclaimed at once. */
  release(ids: string[]): void {
    if (ids.length === 0) return;
    this.db.tx(() => {
      this.db.run(
        this.db.q
          .deleteFrom('processing_ack')
          .where('message_id', 'in', ids)
          .where('status', '=', 'processing'),
      );
    });
    this.committed();
  }

  commit(c: Commit): Written[] {
    const messages = (c.messages ?? []).map(validate);
    const inboundMax = this.inboundMaxSeq();
    const now = isoNow();
    const written = this.db.tx(() => {
      const out: Written[] = [];
      let seq = Math.max(this.maxSeq(), inboundMax);
      for (const m of messages) {
        seq = nextOddSeq(seq);
        const id = newOutId();
        this.db.run(
          this.db.q.insertInto('messages_out').values({
            id,
            seq,
            in_reply_to: m.inReplyTo ?? null,
            timestamp: now,
            deliver_after: null,
            kind: m.kind,
            channel_type: m.kind === 'chat' ? m.address.channelType : null,
            platform_id: m.kind === 'chat' ? m.address.platformId : null,
            thread_id: m.kind === 'chat' ? m.address.threadId : null,
            content: JSON.stringify(m.content),
          }),
        );
        out.push({ id, seq });
      }
      for (const a of c.acks ?? []) {
        this.db.run(
          this.db.q
            .insertInto('processing_ack')
            .values({ message_id: a.id, status: a.status, status_changed: now })
            .onConflict((oc) =>
              oc.column('message_id').doUpdateSet({ status: a.status, status_changed: now }),
            ),
        );
      }
      for (const [key, value] of Object.entries(c.setState ?? {})) {
        this.db.run(
          this.db.q
            .insertInto('session_state')
            .values({ key, value, updated_at: now })
            .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now })),
        );
      }
      if (c.deleteState?.length) {
        this.db.run(this.db.q.deleteFrom('session_state').where('key', 'in', c.deleteState));
      }
      return out;
    });
    this.committed();
    return written;
  }

  getState(key: string): string | null {
    const row = this.db.first(this.db.q.selectFrom('session_state').select('value').where('key', '=', key));
    return row?.value ?? null;
  }

  /** Whether `id` is a chat message this runner wrote (not an edit or a reaction): what edit_message may change. */
  hasSentMessage(id: string): boolean {
    const row = this.db
      .prepare(
        `SELECT 1 AS x FROM messages_out WHERE id = ? AND kind = 'chat' AND json_extract(content, '$.op') IS NULL`,
      )
      .get(id);
    return row !== undefined;
  }

  /** Whether this runner asked the host to schedule `taskId` (it may not have reached inbound.db yet). */
  hasRequestedTask(taskId: string): boolean {
    const row = this.db
      .prepare(
        `SELECT 1 AS x FROM messages_out WHERE kind = 'system'
           AND json_extract(content, '$.action') = 'schedule_task' AND json_extract(content, '$.taskId') = ? LIMIT 1`,
      )
      .get(taskId);
    return row !== undefined;
  }

  maxSeq(): number {
    const row = this.db.first(this.db.q.selectFrom('messages_out').select((eb) => eb.fn.max('seq').as('m')));
    return Number(row?.m ?? 0);
  }

  private committed(): void {
    const seq = this.maxSeq();
    for (const fn of this.commitSubscribers) fn(seq);
  }
}

function validate(m: OutMessage): OutMessage {
  return m.kind === 'chat'
    ? { ...m, content: OutboundChatContent.parse(m.content) }
    : { ...m, content: SystemAction.parse(m.content) };
}
