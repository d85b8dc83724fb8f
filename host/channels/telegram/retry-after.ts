/**
 * A grammY API transformer that honours Telegram's 429 (Too Many Requests): it waits `parameters.retry_after`
 * seconds and calls again.
 *
 * Invariants: bounded — at most `maxAttempts` calls and `maxTotalWaitMs` of waiting per API call; when the next
 * wait would pass either bound the 429 is returned as it is (grammY throws a GrammyError and delivery's retry
 * takes over). A wait ends early when the call's AbortSignal fires.
 */
import type { Transformer } from 'grammy';
import type { Logger } from 'pino';
import { sleep } from './backoff.js';

export interface RetryAfterOptions {
  maxAttempts: number;
  maxTotalWaitMs: number;
  log: Logger;
}

export function retryAfter(opts: RetryAfterOptions): Transformer {
  return async (prev, method, payload, signal) => {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || res.error_code !== 429) return res;
      const waitMs = Math.max(1, res.parameters?.retry_after ?? 1) * 1000;
      if (attempt >= opts.maxAttempts || waited + waitMs > opts.maxTotalWaitMs || signal?.aborted) return res;
      opts.log.warn({ method, retryAfterSeconds: waitMs / 1000, attempt }, 'telegram rate limit: waiting');
      await sleep(waitMs, signal as AbortSignal | undefined);
      waited += waitMs;
    }
  };
}
