import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.js';

describe('restart backoff', () => {
  it('restarts after the first crash at once and then waits longer each time', () => {
    const b = new RestartBackoff();
    b.recordCrash('s', 0);
    expect(b.remaining('s', 0)).toBe(0);
    b.recordCrash('s', 1);
    expect(b.remaining('s', 1)).toBe(10_000);
    b.recordCrash('s', 2);
    expect(b.remaining('s', 2)).toBe(30_000);
  });

  it('starts counting crashes again after an hour without one', () => {
    const b = new RestartBackoff();
    for (let i = 0; i < 5; i++) b.recordCrash('s', i);
    b.recordCrash('s', 4 + 60 * 60 * 1000);
    expect(b.remaining('s', 4 + 60 * 60 * 1000)).toBe(0);
  });

  it('retries a failed start after 2 s, then 10 s, and resets the streak when a start succeeds', () => {
    const b = new RestartBackoff();
    expect(b.recordStartFailure('s', 0)).toBe(1);
    expect(b.remaining('s', 500)).toBe(1_500);
    expect(b.recordStartFailure('s', 2_000)).toBe(2);
    expect(b.remaining('s', 2_000)).toBe(10_000);
    expect(b.startSucceeded('s')).toBe(2);
    expect(b.remaining('s', 2_000)).toBe(0);
    expect(b.recordStartFailure('s', 3_000)).toBe(1);
  });

  it('caps the start retry delay at 15 minutes', () => {
    const b = new RestartBackoff();
    for (let i = 0; i < 20; i++) b.recordStartFailure('s', 0);
    expect(b.remaining('s', 0)).toBe(900_000);
  });

  it('forgets both streaks of a session on purpose', () => {
    const b = new RestartBackoff();
    b.recordStartFailure('s', 0);
    for (let i = 0; i < 4; i++) b.recordCrash('s', 0);
    b.forget('s');
    expect(b.remaining('s', 0)).toBe(0);
  });
});
