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
 */
import type { CentralDb } from '../db/central-db.js';
import type { Session } from '../db/schema.js';

const PER_PASS = 100;

/** Active, quiet since before `cutoff`, no wake-up scheduled: the candidates, oldest first. */
export function staleSessions(db: CentralDb, cutoff: string): Session[] {
  return db.all(
    db.q
      .selectFrom('sessions')
      .selectAll()
      .where('status', '=', 'active')
      .where('next_wake_at', 'is', null)
      .where('last_active', '<', cutoff)
      .orderBy('last_active')
      .limit(PER_PASS),
  );
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
