import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './work-queue.js';

afterEach(() => {
  vi.useRealTimers();
});

const rank = (k: string) => (k.startsWith('AgentGroup/') ? 0 : 1);

describe('WorkQueue', () => {
  it('de-duplicates queued keys and serves lower ranks first', async () => {
    const q = new WorkQueue({ rank });
    q.add('UserRole/ns/a');
    q.add('AgentGroup/ns/x');
    q.add('UserRole/ns/a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('AgentGroup/ns/x');
    expect(await q.get()).toBe('UserRole/ns/a');
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed; re-queues it once afterwards', async () => {
    const q = new WorkQueue({ rank });
    q.add('k');
    const key = await q.get();
    q.add('k');
    q.add('k');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('k');
    q.done('k');
    expect(q.isIdle()).toBe(true);
  });

  it('wakes a waiting worker', async () => {
    const q = new WorkQueue({ rank });
    const next = q.get();
    q.add('late');
    expect(await next).toBe('late');
  });

  it('backs off exponentially per key, capped, and forgets on success', () => {
    vi.useFakeTimers();
    const q = new WorkQueue({ rank, baseDelayMs: 100, maxDelayMs: 1000 });
    expect([q.retry('k'), (q.forget('x'), 0)]).toEqual([100, 0]);
    vi.advanceTimersByTime(100);
    expect(q.length).toBe(1);
    expect(q.retry('k')).toBe(200);
    expect(q.retry('k')).toBe(400); // already scheduled: not duplicated
    expect(q.retry('k')).toBe(800);
    expect(q.retry('k')).toBe(1000);
    q.forget('k');
    expect(q.retry('k')).toBe(100);
  });

  it('resolves whenIdle once drained, and get() with undefined after shutdown', async () => {
    const q = new WorkQueue({ rank });
    q.add('a');
    const idle = q.whenIdle();
    const k = await q.get();
    q.done(k!);
    await idle;
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
  });
});
