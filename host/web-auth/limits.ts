/**
 * Caps on what one web user can cost the host: a token bucket per sender for messages, and counted slots for
 * open event streams per user and in total.
 *
 * Invariants:
 * - A bucket holds at most `burst` tokens and refills at `perMinute` per minute; a message takes one token or
 *   is refused with the time until the next token.
 * - A stream slot is taken before the stream opens and released exactly once when it closes; neither count goes
 *   above its cap or below zero.
 */

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token for `key`: 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perMinute) / 60_000);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 60_000) / this.perMinute);
  }
}

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
