/**
 * A level-triggered wake-up: `wake()` before `wait()` is not lost, it makes the next wait return at once.
 * Used by the poll loop (inbound notices) and by tools that wait for an inbound row.
 *
 * Invariant: every wait is bounded by its timeout or the abort signal; listeners are removed when it returns.
 */
export class WakeSignal {
  private pending = false;
  private waiters = new Set<() => void>();

  wake(): void {
    this.pending = true;
    for (const w of [...this.waiters]) w();
  }

  /** Resolves true when woken, false on timeout or abort. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(onWake);
        signal?.removeEventListener('abort', onAbort);
        if (woken) this.pending = false;
        resolve(woken);
      };
      const onWake = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.waiters.add(onWake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}
