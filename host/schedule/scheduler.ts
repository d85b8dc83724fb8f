/**
 * Wakes sessions when future work falls due (scheduled tasks, retries after backoff) with one timer armed for the
 * earliest sessions.next_wake_at — nothing is polled per session. Each session's next_wake_at is recomputed from
 * its inbound.db whenever something there changes schedule.
 */
import type { Logger } from 'pino';
import type { CentralDb } from '../db/central-db.js';
import type { Session } from '../db/schema.js';
import { nextDueAt } from '../session/inbound-writer.js';
import type { SessionDbs } from '../session/session-dbs.js';
import type { WakeTarget } from '../session/session-manager.js';
import { earliestWake, sessionsDueBy, setNextWake } from '../session/session-store.js';

const MAX_TIMER_MS = 60 * 60 * 1000;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: CentralDb,
    private readonly dbs: SessionDbs,
    private readonly waker: WakeTarget,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.arm();
  }

  /** Recomputes a session's next wake from its inbound.db and re-arms the timer. */
  note(session: Session): void {
    const at = nextDueAt(this.dbs.of(session).inbound(), new Date().toISOString());
    if (at !== session.next_wake_at) setNextWake(this.db, session.id, at);
    this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const at = earliestWake(this.db);
    if (at === null) {
      this.timer = null;
      return;
    }
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(at) - Date.now()));
    this.timer = setTimeout(() => void this.fire(), delay);
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    this.timer = null;
    const now = new Date().toISOString();
    for (const session of sessionsDueBy(this.db, now)) {
      try {
        const next = nextDueAt(this.dbs.of(session).inbound(), now);
        setNextWake(this.db, session.id, next);
        await this.waker.wake(session, 0);
      } catch (err) {
        this.log.error(
          { sessionId: session.id, err: (err as Error).message },
          'could not wake a session for due work',
        );
      }
    }
    this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
