/**
 * Bounding a session's inbound.db: old, finished chat messages are pruned once the session holds more than it
 * keeps, and `delivered` rows go once the runner has pruned the reply they record (its half:
 * container/agent-runner/outbound-prune.ts). A closed session's inbound.db is also vacuumed, so the freed pages
 * go back to the disk; in a live session they are reused by the next messages, so the file stops growing.
 *
 * Invariants (what must never be pruned, and why):
 * - Only `chat` rows that are finished (`completed` or `failed`) go: pending, paused and task rows (their series
 *   and schedules live there) always stay. At least one chat row is kept, so the newest row of the file, whose
 *   seq the next message's seq is counted from, is never pruned.
 * - A row stays while it is among the `messages` newest chat rows or younger than `minAgeMs`: a message id seen
 *   again within that window (a platform's redelivery, a client's retry with its idempotency key) is still
 *   recognised and not taken a second time.
 * - A row an undelivered reply answers stays (delivery reads its sender and platform message id).
 * - A `delivered` row goes only when outbound.db no longer has the reply it records: while the reply exists, the
 *   row is what stops it from being sent again. Nothing is pruned from `delivered` when outbound.db cannot be read.
 * - The host writes inbound.db only; outbound.db is the runner's (it prunes its own rows).
 */
import type { InboundDb } from '../../protocol/session-db.js';
import type { HostOutbound } from './host-outbound.js';

export interface KeepPolicy {
  /** Chat messages a session keeps at least (0: keep everything, prune nothing). */
  messages: number;
  /** Chat messages younger than this are kept whatever their number. */
  minAgeMs: number;
}

export interface Compaction {
  prunedMessages: number;
  prunedDelivered: number;
}

const CHUNK = 500;
/** Messages pruned at most per compaction (an old install catches up over several runner exits). */
const PER_PASS = 10_000;

/** Ids of messages_in rows that may be pruned now (see the invariants). Pure reads. */
function prunableMessages(
  inbound: InboundDb,
  keep: KeepPolicy,
  now: Date,
  answeredByPending: ReadonlySet<string>,
): string[] {
  if (keep.messages <= 0) return [];
  const cutoff = new Date(now.getTime() - keep.minAgeMs).toISOString();
  const rows = inbound
    .prepare(
      `SELECT id FROM messages_in
       WHERE kind = 'chat' AND status IN ('completed', 'failed') AND timestamp < ?
         AND seq < coalesce(
           (SELECT seq FROM messages_in WHERE kind = 'chat' ORDER BY seq DESC LIMIT 1 OFFSET ?), -1)
       ORDER BY seq LIMIT ${PER_PASS}`,
    )
    .all(cutoff, keep.messages - 1) as { id: string }[];
  return rows.map((r) => r.id).filter((id) => !answeredByPending.has(id));
}

/**
 * Prunes what `prunableMessages` allows and the `delivered` rows of replies outbound.db no longer holds.
 * `outbound` is null when the runner has not created its file (then no delivered row goes); a file that cannot be
 * read throws (UntrustedOutboundError) and nothing is pruned.
 */
export function compactInbound(
  inbound: InboundDb,
  outbound: HostOutbound | null,
  keep: KeepPolicy,
  now: Date,
): Compaction {
  const replies = outbound ? outbound.replyRefs() : [];
  // More replies than can be looked at: nothing can be said about what they answer or what is gone.
  if (replies === null) return { prunedMessages: 0, prunedDelivered: 0 };
  const delivered = new Set(
    (inbound.prepare(`SELECT message_out_id FROM delivered`).all() as { message_out_id: string }[]).map(
      (r) => r.message_out_id,
    ),
  );
  const answeredByPending = new Set(
    replies.flatMap((r) => (r.inReplyTo !== null && !delivered.has(r.id) ? [r.inReplyTo] : [])),
  );
  const messages = prunableMessages(inbound, keep, now, answeredByPending);
  // Without outbound.db (not created yet, or removed) nothing is known to be gone.
  const stillThere = new Set(replies.map((r) => r.id));
  const gone = outbound ? [...delivered].filter((id) => !stillThere.has(id)) : [];
  inbound.tx(() => {
    deleteIn(inbound, 'messages_in', 'id', messages);
    deleteIn(inbound, 'delivered', 'message_out_id', gone);
  });
  return { prunedMessages: messages.length, prunedDelivered: gone.length };
}

/** Gives a closed session's freed pages back to the disk. */
export function vacuumInbound(inbound: InboundDb): void {
  inbound.raw.exec('VACUUM');
}

function deleteIn(inbound: InboundDb, table: string, column: string, ids: string[]): void {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    inbound
      .prepare(`DELETE FROM ${table} WHERE ${column} IN (${chunk.map(() => '?').join(',')})`)
      .run(...chunk);
  }
}
