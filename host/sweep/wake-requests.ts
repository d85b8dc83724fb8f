/**
 * Wake requests: how a CLI verb (a welcome written by init-first-agent, a task run now) asks the running host to
 * look at a session, through the central DB both can open. The sweep takes them each tick.
 *
 * Invariant: a request is taken once — read and deleted in one transaction — and a request for the same session
 * made meanwhile replaces the earlier one (one wake covers both).
 */
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';

export function requestWake(db: CentralDb, sessionId: string, reason: string): void {
  db.run(
    db.q
      .insertInto('wake_requests')
      .values({ session_id: sessionId, reason, requested_at: nowIso() })
      .onConflict((oc) => oc.column('session_id').doUpdateSet({ reason, requested_at: nowIso() })),
  );
}

/** The pending requests, removed as they are returned. */
export function takeWakeRequests(db: CentralDb): { session_id: string; reason: string }[] {
  return db.tx(() => {
    const rows = db.all(
      db.q.selectFrom('wake_requests').select(['session_id', 'reason']).orderBy('requested_at'),
    );
    if (rows.length) db.run(db.q.deleteFrom('wake_requests'));
    return rows;
  });
}
