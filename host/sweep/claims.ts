/**
 * Claims: a runner marks a message 'processing' in outbound.db's processing_ack when it takes it. A claim whose
 * runner died or hung is put back in line by the sweep (resetClaims), with backoff and a bounded number of tries.
 */
import type { InboundDb } from '../../protocol/session-db.js';
import type { HostOutbound } from '../session/host-outbound.js';

/** More claims than a runner ever holds at once (a batch); a runner writing more gets only these looked at. */
const MAX_CLAIMS = 1000;

/** The messages a runner has claimed and not finished, with the time of the claim. */
export function processingClaims(outbound: HostOutbound): { id: string; since: string }[] {
  return outbound.processingClaims(MAX_CLAIMS);
}

/**
 * Puts claimed-but-unfinished messages back in line after their runner died or hung: one more try, later each
 * time (5 s · 2^tries), or 'failed' after `maxTries`. The new runner drops the stale claims when it starts.
 */
export function resetClaims(
  inbound: InboundDb,
  ids: string[],
  now = Date.now(),
  maxTries = 5,
  baseMs = 5000,
): number {
  let failed = 0;
  inbound.tx(() => {
    for (const id of ids) {
      const row = inbound
        .prepare(`SELECT tries FROM messages_in WHERE id = ? AND status = 'pending'`)
        .get(id) as { tries: number } | undefined;
      if (!row) continue;
      const tries = row.tries + 1;
      if (tries >= maxTries) {
        inbound.prepare(`UPDATE messages_in SET status = 'failed', tries = ? WHERE id = ?`).run(tries, id);
        failed++;
      } else {
        const after = new Date(now + baseMs * 2 ** (tries - 1)).toISOString();
        inbound
          .prepare(`UPDATE messages_in SET tries = ?, process_after = ? WHERE id = ?`)
          .run(tries, after, id);
      }
    }
  });
  return failed;
}
