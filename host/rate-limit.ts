/**
 * A token bucket per key — the credential proxy keys it by session, the web API by signed-in user: `burst`
 * requests at once, refilled at `perMinute` a minute.
 *
 * Invariants:
 * - A key's bucket starts full and never holds more than `burst`.
 * - Memory is bounded by the keys active within the last refill period: a bucket that would be full again is
 *   indistinguishable from a fresh one and is dropped on the next prune.
 */
export interface RateLimitOptions {
  perMinute: number;
  burst: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const PRUNE_EVERY_MS = 60_000;

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly now: () => number;
  private prunedAt: number;

  constructor(private readonly o: RateLimitOptions) {
    this.perMs = o.perMinute / 60_000;
    this.now = o.now ?? Date.now;
    this.prunedAt = this.now();
  }

  /** Takes one token for `key`, or says how long until one is available. */
  take(key: string): RateDecision {
    const now = this.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) this.prune(now);
    const b = this.buckets.get(key) ?? { tokens: this.o.burst, at: now };
    b.tokens = Math.min(this.o.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) / this.perMs) };
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const [key, b] of this.buckets)
      if (b.tokens + (now - b.at) * this.perMs >= this.o.burst) this.buckets.delete(key);
  }
}
