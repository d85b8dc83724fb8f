import { describe, expect, it } from 'vitest';
import { WakeSignal } from './wake-signal.js';
import { nextBackoff } from './host-channel.js';
import { nextMockContinuation } from './providers/mock.js';

describe('WakeSignal', () => {
  it('does not lose a wake that comes before the wait', async () => {
    const w = new WakeSignal();
    w.wake();
    expect(await w.wait(10_000)).toBe(true);
    expect(await w.wait(5)).toBe(false);
  });

  it('wakes a waiter, times out, and stops on abort', async () => {
    const w = new WakeSignal();
    const p = w.wait(10_000);
    w.wake();
    expect(await p).toBe(true);
    const ac = new AbortController();
    const q = w.wait(10_000, ac.signal);
    ac.abort();
    expect(await q).toBe(false);
  });
});

describe('small rules', () => {
  it('backs off exponentially up to the cap', () => {
    const seq: number[] = [];
    let b = 200;
    for (let i = 0; i < 8; i++) seq.push((b = nextBackoff(b, 200, 10_000)));
    expect(seq).toEqual([400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it('counts mock turns in the continuation', () => {
    expect(nextMockContinuation(null)).toBe('mock-1');
    expect(nextMockContinuation('mock-41')).toBe('mock-42');
    expect(nextMockContinuation('garbage')).toBe('mock-1');
  });
});
