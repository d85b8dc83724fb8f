/** Abortable waiting for the Telegram loops: a sleep that a stop ends at once, and capped exponential backoff. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface BackoffMs {
  initial: number;
  max: number;
}

export class Backoff {
  private next: number;

  constructor(private readonly ms: BackoffMs) {
    this.next = ms.initial;
  }

  reset(): void {
    this.next = this.ms.initial;
  }

  /** Waits the current delay (or until aborted) and doubles it up to the cap. */
  async wait(signal: AbortSignal): Promise<void> {
    const delay = this.next;
    this.next = Math.min(this.next * 2, this.ms.max);
    await sleep(delay, signal);
  }
}
