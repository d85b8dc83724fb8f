/**
 * One fake bot's updates as the Bot API keeps them: queued until a getUpdates offset confirms them, served to long
 * polls that are held (bounded) until an update comes; a newer long poll ends the held one with 409 Conflict,
 * as Telegram does when two pollers share a token.
 */
const MAX_HOLD_MS = 50_000;

type Wake = (why: 'update' | 'conflict') => void;

export class UpdateQueue {
  private nextId = 1;
  private updates: { update_id: number }[] = [];
  private readonly held = new Set<Wake>();
  /** Long polls held right now, and the most held at once. */
  readonly stats = { active: 0, max: 0 };

  push(update: Record<string, unknown>): number {
    const full = { update_id: this.allocate(), ...update };
    this.updates.push(full);
    for (const wake of [...this.held]) wake('update');
    return full.update_id;
  }

  /** An update id for an update pushed to a webhook instead of queued. */
  allocate(): number {
    return this.nextId++;
  }

  pending(): number[] {
    return this.updates.map((u) => u.update_id);
  }

  /** Ends every held poll (server shutdown). */
  release(): void {
    for (const wake of [...this.held]) wake('update');
  }

  /**
   * getUpdates: confirms everything below `offset`, answers at once when something is queued (or timeout is 0),
   * else holds until an update, the timeout, the client going away (`onGone`) or a newer poll ('conflict').
   */
  async poll(
    p: { offset?: unknown; limit?: unknown; timeout?: unknown },
    onGone: (cb: () => void) => () => void,
  ): Promise<{ update_id: number }[] | 'conflict'> {
    const offset = p.offset === undefined ? 0 : Number(p.offset);
    this.updates = this.updates.filter((u) => u.update_id >= offset);
    const limit = p.limit === undefined ? 100 : Number(p.limit);
    const ready = () => this.updates.slice(0, limit);
    if (ready().length || !Number(p.timeout)) return ready();
    for (const wake of [...this.held]) wake('conflict');
    const why = await new Promise<string>((resolve) => {
      this.stats.active++;
      this.stats.max = Math.max(this.stats.max, this.stats.active);
      const done = (w: string) => {
        this.held.delete(wake);
        this.stats.active--;
        clearTimeout(timer);
        unsubscribe();
        resolve(w);
      };
      const wake: Wake = (w) => done(w);
      const timer = setTimeout(() => done('timeout'), Math.min(Number(p.timeout) * 1000, MAX_HOLD_MS));
      const unsubscribe = onGone(() => done('gone'));
      this.held.add(wake);
    });
    return why === 'conflict' ? 'conflict' : ready();
  }
}
