/**
 * A per-key work queue, as controllers use it.
 *
 * Invariants:
 * - A key is queued at most once; a key added while it is being processed is processed once more afterwards
 *   (never concurrently with itself).
 * - Failed keys come back after an exponential backoff per key (base·2^n, capped), so a broken object is retried
 *   but never hot-looped; success resets its backoff.
 * - Keys are served by rank (lower first) then FIFO: agent groups before the chats and grants that refer to them.
 */
export interface WorkQueueOptions {
  rank: (key: string) => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly lanes: string[][] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: WorkQueueOptions) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    const rank = this.opts.rank(key);
    (this.lanes[rank] ??= []).push(key);
  }

  /** The next key to process (marked as processing), or undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    for (const lane of this.lanes) {
      const key = lane?.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        this.processing.add(key);
        return Promise.resolve(key);
      }
    }
    this.notifyIdle();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of `key` finished (successfully or not). */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
    this.notifyIdle();
  }

  /** Schedules `key` again after its backoff; returns the delay. */
  retry(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.opts.maxDelayMs ?? 60_000, (this.opts.baseDelayMs ?? 250) * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.closed || this.delayed.has(key)) return;
    const t = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, t);
  }

  get length(): number {
    return this.queued.size;
  }

  /** Nothing queued and nothing being processed (delayed retries do not count). */
  isIdle(): boolean {
    return this.queued.size === 0 && this.processing.size === 0;
  }

  whenIdle(): Promise<void> {
    if (this.isIdle() || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  shutDown(): void {
    this.closed = true;
    for (const t of this.delayed.values()) clearTimeout(t);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
