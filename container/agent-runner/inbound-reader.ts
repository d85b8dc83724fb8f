/**
 * The runner's read-only view of inbound.db (the host is its only writer).
 *
 * Invariants:
 * - The connection is opened read-only; outbound.db is ATTACHed to it as `ob` so "has an ack row" can be
 *   decided in the same statement. An attachment inherits the read-only flag: this connection writes nothing.
 * - A message is eligible when it is pending, due (process_after NULL or <= now), not kind 'system' and has no
 *   processing_ack row of any status. Rows come oldest first (by seq) and the window is bounded.
 * - `maxSeq` is the highest seq seen in inbound.db; the writer stays above it.
 */
import fs from 'node:fs';
import {
  openInboundForRunner,
  type Destination,
  type InboundDb,
  type MessageIn,
} from '../../protocol/session-db.js';
import { sleep } from './wake-signal.js';

export interface Routing {
  channelType: string | null;
  platformId: string | null;
  threadId: string | null;
}

const ELIGIBLE_SQL = `
SELECT m.* FROM messages_in m
WHERE m.status = 'pending'
  AND m.kind != 'system'
  AND (m.process_after IS NULL OR m.process_after <= ?)
  AND NOT EXISTS (SELECT 1 FROM ob.processing_ack a WHERE a.message_id = m.id)
ORDER BY m.seq
LIMIT ?`;

const PENDING_SYSTEM_SQL = `
SELECT m.* FROM messages_in m
WHERE m.status = 'pending'
  AND m.kind = 'system'
  AND NOT EXISTS (SELECT 1 FROM ob.processing_ack a WHERE a.message_id = m.id)
ORDER BY m.seq
LIMIT ?`;

export class InboundReader {
  private constructor(private readonly db: InboundDb) {}

  /**
   * Opens inbound.db once the host has created it (file and schema), waiting up to `timeoutMs`.
   * Returns null when `signal` aborts first.
   */
  static async open(
    inboundFile: string,
    outboundFile: string,
    opts: { pollMs: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<InboundReader | null> {
    const deadline = Date.now() + opts.timeoutMs;
    let lastErr: unknown;
    while (!opts.signal?.aborted) {
      if (fs.existsSync(inboundFile)) {
        let db: InboundDb | undefined;
        try {
          db = openInboundForRunner(inboundFile);
          db.raw.prepare('SELECT 1 FROM messages_in LIMIT 0').all();
          db.raw.prepare('ATTACH DATABASE ? AS ob').run(outboundFile);
          return new InboundReader(db);
        } catch (err) {
          lastErr = err;
          db?.close();
        }
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `inbound.db not ready at ${inboundFile} after ${opts.timeoutMs} ms${lastErr ? `: ${(lastErr as Error).message}` : ''}`,
        );
      }
      await sleep(opts.pollMs, opts.signal);
    }
    return null;
  }

  /** Eligible rows for a turn, oldest first, at most `limit`. */
  eligible(now: string, limit: number): MessageIn[] {
    return this.db.prepare(ELIGIBLE_SQL).all(now, limit) as MessageIn[];
  }

  /** Pending kind-'system' rows without an ack (question responses, notices). */
  pendingSystem(limit = 100): MessageIn[] {
    return this.db.prepare(PENDING_SYSTEM_SQL).all(limit) as MessageIn[];
  }

  maxSeq(): number {
    const row = this.db.first(this.db.q.selectFrom('messages_in').select((eb) => eb.fn.max('seq').as('m')));
    return Number(row?.m ?? 0);
  }

  /** Whether `id` is a chat message of this session (what add_reaction may target besides its own messages). */
  hasChatMessage(id: string): boolean {
    return (
      this.db.first(
        this.db.q.selectFrom('messages_in').select('id').where('id', '=', id).where('kind', '=', 'chat'),
      ) !== undefined
    );
  }

  /** How the host recorded these outbound rows (`delivered`), for the ids it has recorded. */
  deliveryOf(outIds: string[]): Map<string, 'delivered' | 'failed'> {
    if (outIds.length === 0) return new Map();
    const rows = this.db.all(
      this.db.q
        .selectFrom('delivered')
        .select(['message_out_id', 'status'])
        .where('message_out_id', 'in', outIds),
    );
    return new Map(rows.map((r) => [r.message_out_id, r.status]));
  }

  /**
   * What outbound.db no longer needs (outbound-prune.ts): replies the host has recorded (`delivered`) that are
   * older than the oldest chat message it still keeps, never the newest reply; and finished acks of messages the
   * host has pruned. Read through the attached outbound.db, at most `limit` of each.
   */
  prunableOutbound(limit: number): { replies: string[]; acks: string[] } {
    const replies = this.db
      .prepare(
        `SELECT o.id FROM ob.messages_out o JOIN delivered d ON d.message_out_id = o.id
         WHERE o.seq < (SELECT min(seq) FROM messages_in WHERE kind = 'chat')
           AND o.seq < (SELECT max(seq) FROM ob.messages_out)
         ORDER BY o.seq LIMIT ?`,
      )
      .pluck()
      .all(limit) as string[];
    const acks = this.db
      .prepare(
        `SELECT a.message_id FROM ob.processing_ack a
         WHERE a.status != 'processing' AND NOT EXISTS (SELECT 1 FROM messages_in m WHERE m.id = a.message_id)
         LIMIT ?`,
      )
      .pluck()
      .all(limit) as string[];
    return { replies, acks };
  }

  destinations(): Destination[] {
    return this.db.all(this.db.q.selectFrom('destinations').selectAll().orderBy('name'));
  }

  routing(): Routing | null {
    const row = this.db.first(this.db.q.selectFrom('session_routing').selectAll().where('id', '=', 1));
    return row
      ? { channelType: row.channel_type, platformId: row.platform_id, threadId: row.thread_id }
      : null;
  }

  /** Task rows still scheduled (pending or paused), oldest first. */
  scheduledTasks(): MessageIn[] {
    return this.db.all(
      this.db.q
        .selectFrom('messages_in')
        .selectAll()
        .where('kind', '=', 'task')
        .where('status', 'in', ['pending', 'paused'])
        .orderBy('seq'),
    );
  }

  /** Every task row of one series (the task id is the series id, i.e. the first occurrence's id). */
  taskSeries(taskId: string): MessageIn[] {
    return this.db.all(
      this.db.q
        .selectFrom('messages_in')
        .selectAll()
        .where('kind', '=', 'task')
        .where((eb) => eb.or([eb('series_id', '=', taskId), eb('id', '=', taskId)]))
        .orderBy('seq'),
    );
  }

  close(): void {
    this.db.close();
  }
}
