/**
 * The runner's half of bounding a session's files (the host's half: host/session/session-compaction.ts): when it
 * starts, the runner deletes from outbound.db the replies the host has already recorded and no longer keeps the
 * messages of, and the finished acks of messages the host has pruned. The freed pages are reused by later rows.
 *
 * Invariants:
 * - A reply goes only once inbound.db's `delivered` has a row for it (delivered or failed for good) and it is older
 *   than the oldest chat message the host still keeps; the newest reply always stays (the next seq is counted
 *   from it). An undelivered reply is never touched.
 * - An ack goes only when its message is gone from inbound.db and it is not a claim ('processing').
 * - Bounded: at most PRUNE_LIMIT rows of each per start; the rest go at the next start.
 */
import type { OutboundDb } from '../../protocol/session-db.js';
import type { InboundReader } from './inbound-reader.js';

const PRUNE_LIMIT = 50_000;
const CHUNK = 500;

export function pruneOutbound(
  outbound: OutboundDb,
  inbound: InboundReader,
): { replies: number; acks: number } {
  const { replies, acks } = inbound.prunableOutbound(PRUNE_LIMIT);
  outbound.tx(() => {
    deleteIn(outbound, `DELETE FROM messages_out WHERE id IN`, replies);
    deleteIn(outbound, `DELETE FROM processing_ack WHERE status != 'processing' AND message_id IN`, acks);
  });
  return { replies: replies.length, acks: acks.length };
}

function deleteIn(db: OutboundDb, sql: string, ids: string[]): void {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    db.prepare(`${sql} (${chunk.map(() => '?').join(',')})`).run(...chunk);
  }
}
