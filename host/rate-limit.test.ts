import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('RateLimiter', () => {
  it('lets a burst through, then refuses with the time until the next token', () => {
    const c = clock();
    const limiter = new RateLimiter({ perMinute: 60, burst: 3, now: c.now });
    expect([1, 2, 3].map(() => limiter.take('s').ok)).toEqual([true, true, true]);
    expect(limiter.take('s')).toEqual({ ok: false, retryAfterMs: 1000 });
    c.advance(400);
    expect(limiter.take('s')).toEqual({ ok: false, retryAfterMs: 600 });
  });

  it('refills at the configured rate and never above the burst', () => {
    const c = clock();
    const limiter = new RateLimiter({ perMinute: 60, burst: 2, now: c.now });
    limiter.take('s');
    limiter.take('s');
    c.advance(1000);
    expect(limiter.take('s').ok).toBe(true);
    expect(limiter.take('s').ok).toBe(false);
    c.advance(3_600_000);
    expect([1, 2, 3].map(() => limiter.take('s').ok)).toEqual([true, true, false]);
  });

  it('keeps one bucket per key', () => {
    const c = clock();
    const limiter = new RateLimiter({ perMinute: 1, burst: 1, now: c.now });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('gives a key that was idle past a prune a full bucket again', () => {
    const c = clock();
    const limiter = new RateLimiter({ perMinute: 60, burst: 2, now: c.now });
    limiter.take('a');
    limiter.take('a');
    c.advance(120_000);
    expect(limiter.take('b').ok).toBe(true);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, false]);
  });
});
