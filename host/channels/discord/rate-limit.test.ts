import { describe, expect, it } from 'vitest';
import { RateLimitBudget } from './rate-limit.js';

describe('429 wait budget', () => {
  it('lets short waits through and refuses the one that would pass the total', () => {
    let now = 0;
    const budget = new RateLimitBudget(60_000, 20, () => now);
    expect(budget.exceeded('POST /channels/1/messages', 25_000)).toBe(false);
    now += 25_000;
    expect(budget.exceeded('POST /channels/1/messages', 30_000)).toBe(false);
    now += 30_000;
    expect(budget.exceeded('POST /channels/1/messages', 10_000)).toBe(true);
  });

  it('refuses a single wait longer than the budget', () => {
    expect(new RateLimitBudget(60_000).exceeded('GET /users/@me', 61_000)).toBe(true);
  });

  it('keeps routes apart and forgets old waits', () => {
    let now = 0;
    const budget = new RateLimitBudget(60_000, 20, () => now);
    expect(budget.exceeded('a', 50_000)).toBe(false);
    expect(budget.exceeded('b', 50_000)).toBe(false);
    now += 120_000;
    expect(budget.exceeded('a', 50_000)).toBe(false);
  });

  it('bounds how many times one route may wait', () => {
    const budget = new RateLimitBudget(60_000, 3, () => 0);
    expect([1, 2, 3, 4].map(() => budget.exceeded('a', 10))).toEqual([false, false, false, true]);
  });
});
