/**
 * Session retention: a session nobody has written to for the retention period is closed, so the next message in
 * its chat starts a fresh one (a new conversation) and the old one stops being swept, woken or counted as active.
 *
 * Invariants:
 * - Only sessions without a runner and without a scheduled wake-up are closed: a session with tasks keeps living
 *   however quiet its chat is, and a running turn is never cut.
 * - Closing changes the row only; the session's directory (its DBs, inbox, outbox) stays where it is, for
 *   `nanoclaw backup` and for people to look at.
 * - Bounded work per pass (oldest first), so a first pass over a large old install does not stall the sweep.
 * - A pass reads only the candidates (index idx_sessions_activity, migration 012) and does not run on every sweep
 *   tick but at most every retention/10, and at most every 10 minutes (unless the last pass found a full page:
 *   then the next tick goes on): a quiet session is closed at most that much later than its retention says, and
 *   the sweep's per-tick work stays independent of how many idle sessions there are (docs/benchmarks.md).
 */
import type { CentralDb } from '../db/central-db.js';
import type { Session } from '../db/schema.js';

/** Sessions one pass closes at most. */
export const STALE_PER_PASS = 100;
const MAX_PASS_INTERVAL_MS = 10 * 60_000;

/** Whether a retention pass is due, `lastPassAt` being when the last one ran (0: never). */
export function retentionPassDue(lastPassAt: number, now: number, retentionMs: number): boolean {
  if (retentionMs <= 0) return false;
  return now - lastPassAt >= Math.min(retentionMs / 10, MAX_PASS_INTERVAL_MS);
}

/** Active, quiet since before `cutoff`, no wake-up scheduled: the candidates, oldest first (the query). */
export function staleSessionsQuery(db: CentralDb, cutoff: string) {
  return db.q
    .selectFrom('sessions')
    .selectAll()
    .where('status', '=', 'active')
    .where('next_wake_at', 'is', null)
    .where('last_active', '<', cutoff)
    .orderBy('last_active')
    .limit(STALE_PER_PASS);
}

/** The candidates themselves. */
export function staleSessions(db: CentralDb, cutoff: string): Session[] {
  return db.all(staleSessionsQuery(db, cutoff));
}

export function closeSession(db: CentralDb, id: string): void {
  db.run(
    db.q
      .updateTable('sessions')
      .set({ status: 'closed', runner_token_hash: null })
      .where('id', '=', id)
      .where('status', '=', 'active'),
  );
}
