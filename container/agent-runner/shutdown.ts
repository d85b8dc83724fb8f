/**
 * The runner's stop requests (SIGTERM/SIGINT, the host's shutdown notice). They can come at any point of
 * start-up, before the parts they stop are built; those parts subscribe once they exist.
 *
 * Invariants:
 * - The first request asks for a graceful stop: `signal` aborts (start-up waits give up) and 'stop' subscribers
 *   run. A second request, or the grace period running out after the first, runs the 'abort' subscribers.
 * - Subscriptions are level-triggered: a subscriber added after its phase began runs at once.
 * - The grace timer never keeps the process alive, and `dispose()` clears it.
 */
import type { Logger } from './logger.js';

export type ShutdownPhase = 'stop' | 'abort';

export class Shutdown {
  private readonly stopping = new AbortController();
  private aborted = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly subscribers: Record<ShutdownPhase, (() => void)[]> = { stop: [], abort: [] };

  constructor(
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {}

  /** Aborted at the first stop request. */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  request(reason: string): void {
    if (this.stopping.signal.aborted) {
      this.log.warn({ reason }, 'second stop request: aborting the current turn');
      this.abort();
      return;
    }
    this.log.info({ reason }, 'stopping after the current turn');
    this.stopping.abort();
    for (const fn of this.subscribers.stop) fn();
    this.graceTimer = setTimeout(() => {
      this.log.warn({ graceMs: this.graceMs }, 'turn still running after the grace period: aborting it');
      this.abort();
    }, this.graceMs);
    this.graceTimer.unref();
  }

  on(phase: ShutdownPhase, fn: () => void): void {
    this.subscribers[phase].push(fn);
    if (phase === 'stop' ? this.stopping.signal.aborted : this.aborted) fn();
  }

  dispose(): void {
    clearTimeout(this.graceTimer);
  }

  private abort(): void {
    this.aborted = true;
    for (const fn of this.subscribers.abort) fn();
  }
}
