/**
 * Sessions of agent groups paused by their monthly token budget (token-meter.ts): held here instead of getting a
 * runner, and woken again once the budget allows — raised or removed in the AgentGroup, or a new month.
 *
 * Invariants:
 * - One entry per session; a held session's messages stay accepted in its inbound.db, untouched.
 * - While anything is held, the holds are looked at every `checkMs` (an unref'd timer, stopped when none is
 *   left); each look reads only the held sessions' rows and budgets, so it costs nothing when nothing is paused.
 * - A session that is gone or closed meanwhile is dropped, never woken. A resumed session is woken through the
 *   normal path, which checks the budget again (a session can be held again at once).
 */
import type { Logger } from 'pino';
import type { Session } from '../db/schema.js';

export interface BudgetPauseOptions {
  /** Why the session's agent group may not run now, or null. */
  refusal(session: Session): string | null;
  current(sessionId: string): Session | undefined;
  wake(session: Session): Promise<void>;
  checkMs: number;
  log: Logger;
}

export class BudgetPause {
  private readonly held = new Map<string, Session>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: BudgetPauseOptions) {}

  /** True (and the session is held) when its agent group may not run now. */
  holds(session: Session): boolean {
    if (this.o.refusal(session) === null) return false;
    if (!this.held.has(session.id))
      this.o.log.info(
        { sessionId: session.id, agentGroup: session.agent_group_id },
        'session held: budget reached',
      );
    this.held.set(session.id, session);
    this.timer ??= setInterval(() => this.resume(), this.o.checkMs);
    this.timer.unref();
    return true;
  }

  isHeld(sessionId: string): boolean {
    return this.held.has(sessionId);
  }

  /** Wakes every held session whose agent group may run again. */
  resume(): void {
    for (const id of [...this.held.keys()]) {
      const session = this.o.current(id);
      if (!session || session.status !== 'active') {
        this.held.delete(id);
        continue;
      }
      if (this.o.refusal(session) !== null) continue;
      this.held.delete(id);
      this.o.log.info(
        { sessionId: id, agentGroup: session.agent_group_id },
        'session resumed: budget allows again',
      );
      this.o
        .wake(session)
        .catch((err: unknown) =>
          this.o.log.error({ sessionId: id, err: (err as Error).message }, 'waking a resumed session failed'),
        );
    }
    if (this.held.size === 0) this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
