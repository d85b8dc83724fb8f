/**
 * Counted slots for open event streams, per web user and in total (messages are capped by host/rate-limit.ts).
 *
 * Invariants:
 * - A stream slot is taken before the stream opens and released exactly once when it closes; neither count goes
 *   above its cap or below zero.
 */

export class StreamSlots {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly maxPerUser: number,
    private readonly maxTotal: number,
  ) {}

  /** A release function, or null when `user` or the host is at its cap. */
  acquire(user: string): (() => void) | null {
    const mine = this.perUser.get(user) ?? 0;
    if (mine >= this.maxPerUser || this.total >= this.maxTotal) return null;
    this.perUser.set(user, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perUser.get(user) ?? 1) - 1;
      if (left > 0) this.perUser.set(user, left);
      else this.perUser.delete(user);
    };
  }
}
