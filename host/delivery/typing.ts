/**
 * "typing…" in the chat while an agent works on a message it was woken for.
 *
 * Invariants: at most one indicator per session; it is shown at once and refreshed every `intervalMs` (platforms
 * expire it after ~5–10 s) until the session's next message is delivered, its runner exits, or `maxMs` passed —
 * so a stuck runner never leaves a chat "typing" forever. Stopping tells a channel that can end it at once
 * (clearTyping). The indicator names the session's agent group when the caller knows it. A channel without
 * setTyping is skipped; a failing setTyping or clearTyping is logged at debug and never affects delivery.
 */
import type { Logger } from 'pino';
import type { ChannelAdapter, ChannelRegistry, ChatAddress, TypingAgent } from '../channels/adapter.js';

interface Active {
  timer: NodeJS.Timeout;
  until: number;
  adapter: ChannelAdapter;
  to: ChatAddress;
  agent: TypingAgent | undefined;
}

export class Typing {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly channels: ChannelRegistry,
    private readonly log: Logger,
    private readonly intervalMs = 4000,
    private readonly maxMs = 120_000,
  ) {}

  start(sessionId: string, to: ChatAddress, agent?: TypingAgent): void {
    const adapter = this.channels.get(to.channelType);
    if (!adapter?.setTyping) return;
    const previous = this.active.get(sessionId);
    if (previous && sameChat(previous.to, to)) this.cancel(sessionId);
    else this.stop(sessionId);
    const tick = (): void => {
      const a = this.active.get(sessionId);
      if (a && Date.now() >= a.until) {
        this.stop(sessionId);
        return;
      }
      adapter.setTyping!(to, agent).catch((err: unknown) =>
        this.log.debug({ sessionId, channel: to.channelType, err: (err as Error).message }, 'typing failed'),
      );
    };
    const timer = setInterval(tick, this.intervalMs);
    timer.unref();
    this.active.set(sessionId, { timer, until: Date.now() + this.maxMs, adapter, to, agent });
    tick();
  }

  stop(sessionId: string): void {
    const a = this.cancel(sessionId);
    a?.adapter
      .clearTyping?.(a.to, a.agent)
      .catch((err: unknown) =>
        this.log.debug(
          { sessionId, channel: a.to.channelType, err: (err as Error).message },
          'clearing typing failed',
        ),
      );
  }

  /** Ends the refresh loop without telling the channel. */
  private cancel(sessionId: string): Active | undefined {
    const a = this.active.get(sessionId);
    if (!a) return undefined;
    clearInterval(a.timer);
    this.active.delete(sessionId);
    return a;
  }

  close(): void {
    for (const id of [...this.active.keys()]) this.stop(id);
  }
}

function sameChat(a: ChatAddress, b: ChatAddress): boolean {
  return a.channelType === b.channelType && a.platformId === b.platformId && a.threadId === b.threadId;
}
