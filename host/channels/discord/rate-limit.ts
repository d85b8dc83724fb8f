/**
 * How long the adapter lets discord.js wait out Discord's 429s before giving up, so delivery's own retry takes
 * over instead of a send hanging.
 *
 * Invariants: discord.js honours retry_after itself (it sleeps, then retries); this budget only decides when it
 * must throw instead. On one route (method + URL) the waits that started within the last two budgets add up to at
 * most `maxTotalMs`, and at most `maxWaits` of them — so one request never waits longer than that in total.
 */
export class RateLimitBudget {
  private readonly waits = new Map<string, { at: number; ms: number }[]>();

  constructor(
    private readonly maxTotalMs = 60_000,
    private readonly maxWaits = 20,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when waiting `waitMs` more on `route` would exceed the budget (discord.js then throws). */
  exceeded(route: string, waitMs: number): boolean {
    const now = this.now();
    for (const [key, list] of this.waits) {
      const kept = list.filter((w) => now - w.at < 2 * this.maxTotalMs);
      if (kept.length) this.waits.set(key, kept);
      else this.waits.delete(key);
    }
    const recent = this.waits.get(route) ?? [];
    const total = recent.reduce((sum, w) => sum + w.ms, 0);
    if (total + waitMs > this.maxTotalMs || recent.length >= this.maxWaits) return true;
    this.waits.set(route, [...recent, { at: now, ms: waitMs }]);
    return false;
  }
}
