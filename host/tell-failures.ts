/**
 * Who is told about a failure, wired once at start-up: a reply that could not be delivered, messages given up on
 * after too many tries, a runner that cannot start (the first failure of a streak), an agent group's monthly
 * token budget reached. Each also ends the session's typing indicator.
 *
 * Invariant: a notice that cannot be sent (the central DB locked, a channel down) is logged, never a crash of the
 * host.
 */
import type { Logger } from 'pino';
import type { TokenMeter } from './budget/token-meter.js';
import type { CentralDb } from './db/central-db.js';
import type { Delivery } from './delivery/delivery.js';
import type { FailureNotices } from './delivery/failure-notices.js';
import type { Typing } from './delivery/typing.js';
import type { RunnerManager } from './runner/runner-manager.js';
import { getSession } from './session/session-store.js';
import type { Sweep } from './sweep/sweep.js';

export interface FailureSources {
  delivery: Delivery;
  sweep: Sweep;
  runners: RunnerManager;
  meter: TokenMeter;
}

export function tellFailures(
  s: FailureSources,
  d: { notices: FailureNotices; typing: Typing; db: CentralDb; log: Logger },
): void {
  const { notices, typing } = d;
  const tell = (sessionId: string, notice: Promise<void>) => {
    typing.stop(sessionId);
    void notice.catch((err: unknown) =>
      d.log.error({ sessionId, err: (err as Error).message }, 'could not send a failure notice'),
    );
  };
  s.delivery.on('failed', (session, f) => tell(session.id, notices.deliveryFailed(session, f)));
  s.sweep.on('processingFailed', (session, n) => tell(session.id, notices.processingFailed(session, n)));
  s.runners.on('startFailed', (session, f) => {
    if (f.attempt === 1) tell(session.id, notices.runnerStartFailed(session, f));
    else typing.stop(session.id);
  });
  s.meter.on('budgetReached', (metered, budget) => {
    const session = getSession(d.db, metered.id);
    if (session) tell(session.id, notices.budgetReached(session, budget));
  });
}
