/**
 * When a session's runner may be started again: the circuit breaker for runners that keep crashing and for
 * runners that cannot be started at all (a missing command, a refused pod, an unreachable API server).
 *
 * Invariants:
 * - Crashes within an hour of each other count up; the delay before the next start grows with the count
 *   (after the 1st crash at once, then 10 s, 30 s, 2 min, 5 min, 15 min). An hour without a crash starts the count again.
 * - Start failures count up until a start succeeds; the first attempt is immediate and each retry waits longer
 *   (2 s, 10 s, 30 s, 2 min, 5 min, then every 15 min).
 * - Pure bookkeeping: no timers, no I/O; the clock is passed in.
 */

/** Indexed by the crash count (index 0 is never used: a streak starts at 1). */
const CRASH_BACKOFF_MS = [0, 0, 10_000, 30_000, 120_000, 300_000, 900_000];
const CRASH_WINDOW_MS = 60 * 60 * 1000;
const START_RETRY_MS = [2_000, 10_000, 30_000, 120_000, 300_000, 900_000];

interface Streak {
  count: number;
  lastAt: number;
}

const delayOf = (table: readonly number[], n: number) => table[Math.min(n, table.length - 1)]!;

export class RestartBackoff {
  private readonly crashes = new Map<string, Streak>();
  private readonly startFailures = new Map<string, Streak>();

  recordCrash(sessionId: string, now: number): void {
    const prev = this.crashes.get(sessionId);
    const count = prev && now - prev.lastAt < CRASH_WINDOW_MS ? prev.count + 1 : 1;
    this.crashes.set(sessionId, { count, lastAt: now });
  }

  /** Returns which failed attempt in a row this was (1 = the first since the last successful start). */
  recordStartFailure(sessionId: string, now: number): number {
    const count = (this.startFailures.get(sessionId)?.count ?? 0) + 1;
    this.startFailures.set(sessionId, { count, lastAt: now });
    return count;
  }

  /** A start succeeded: returns how many failed attempts preceded it (0 when none). */
  startSucceeded(sessionId: string): number {
    const failed = this.startFailures.get(sessionId)?.count ?? 0;
    this.startFailures.delete(sessionId);
    return failed;
  }

  /** Milliseconds until the session may be started again (0 = now). */
  remaining(sessionId: string, now: number): number {
    const crash = this.crashes.get(sessionId);
    const start = this.startFailures.get(sessionId);
    const crashWait = crash ? crash.lastAt + delayOf(CRASH_BACKOFF_MS, crash.count) - now : 0;
    const startWait = start ? start.lastAt + delayOf(START_RETRY_MS, start.count - 1) - now : 0;
    return Math.max(0, crashWait, startWait);
  }

  forget(sessionId: string): void {
    this.crashes.delete(sessionId);
    this.startFailures.delete(sessionId);
  }
}
