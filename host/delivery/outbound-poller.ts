/**
 * The polling mode's delivery loop (delivery-mode.ts): every interval, drain the outbound.db of each session whose
 * runner runs. Work per tick is O(running sessions); idle sessions are never looked at.
 *
 * Invariants: ticks never overlap (a slow tick delays the next one, it does not stack); a failed drain is logged
 * with its session id and retried on the next tick; nothing here rejects into the host.
 */
import type { Logger } from 'pino';
import type { AgentRuntime } from '../runtime/runtime.js';
import type { Delivery } from './delivery.js';

export class OutboundPoller {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly delivery: Delivery,
    private readonly runtime: AgentRuntime,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const { sessionId } of this.runtime.list()) {
        await this.delivery
          .drain(sessionId)
          .catch((err: unknown) =>
            this.log.error({ sessionId, err: (err as Error).message }, 'polled delivery drain failed'),
          );
      }
    } finally {
      this.ticking = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
