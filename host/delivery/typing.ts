/**
 * "typing…" in the chat while an agent works on a message it was woken for.
 *
 * Invariants: at most one indicator per session; it is shown at once and refreshed every `intervalMs` (platforms
 * expire it after ~5–10 s) until the session's next message is delivered, its runner exits, or `maxMs` passed —
 * so a stuck runner never leaves a chat "typing" forever. A channel without setTyping is skipped; a failing
 * setTyping is logged at debug and never affects delivery.
 */
import type { Logger } from 'pino';
import type { ChannelRegistry, ChatAddress } from '../channels/adapter.js';

interface Active {
  timer: NodeJS.Timeout;
  until: number;
}

export class Typing {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly channels: ChannelRegistry,
    private readonly log: Logger,
    private readonly intervalMs = 4000,
    private readonly maxMs = 120_000,
  ) {}

  start(sessionId: string, to: ChatAddress): void {
    const adapter = this.channels.get(to.channelType);
    if (!adapter?.setTyping) return;
    this.stop(sessionId);
    const tick = (): void => {
      const a = this.active.get(sessionId);
      if (a && Date.now() >= a.until) {
        this.stop(sessionId);
        return;
      }
      adapter.setTyping!(to).catch((err: unknown) =>
        this.log.debug({ sessionId, channel: to.channelType, err: (err as Error).message }, 'typing failed'),
      );
    };
    const timer = setInterval(tick, this.intervalMs);
    timer.unref();
    this.active.set(sessionId, { timer, until: Date.now() + this.maxMs });
    tick();
  }

  stop(sessionId: string): void {
    const a = this.active.get(sessionId);
    if (!a) return;
    clearInterval(a.timer);
    this.active.delete(sessionId);
  }

  close(): void {
    for (const id of [...this.active.keys()]) this.stop(id);
  }
}
