/**
 * "Look at inbound.db now": tells the session's connected runner over its notification link (unless the delivery
 * mode polls, delivery-mode.ts), and makes sure a runner is running (starting or replacing one). The notice is
 * only a hint — a runner that misses it finds the rows on its own poll — so the order of the two steps, or a
 * notice never sent, never loses a message.
 * A session whose agent group is over its monthly token budget gets no notice: the runner manager holds it (and
 * stops a runner still running), and wakes it once the budget allows; its messages stay in inbound.db meanwhile.
 * The budget is looked at once per wake, by the runner manager; the notice follows its answer.
 */
import type { Session } from '../db/schema.js';
import type { RunnerLink } from './runner-link.js';
import type { RunnerManager } from './runner-manager.js';

export class Waker {
  constructor(
    private readonly link: RunnerLink,
    private readonly runners: RunnerManager,
    private readonly notices = true,
  ) {}

  /** `seq` is the newest inbound row the runner should look at (0 when unknown, e.g. for due scheduled work). */
  async wake(session: Session, seq = 0): Promise<void> {
    await this.runners.wake(session);
    if (this.notices && !this.runners.isHeld(session.id))
      this.link.send(session.id, { type: 'inbound', seq });
  }
}
