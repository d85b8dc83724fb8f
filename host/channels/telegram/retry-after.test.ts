import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { retryAfter } from './retry-after.js';

const log = pino({ level: 'silent' });
type Res =
  | { ok: true; result: string }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };

function scripted(responses: Res[]) {
  const calls: number[] = [];
  const prev = () => {
    calls.push(Date.now());
    return Promise.resolve(responses.shift()!);
  };
  return { prev, calls };
}

const limited = (s: number): Res => ({
  ok: false,
  error_code: 429,
  description: 'Too Many Requests',
  parameters: { retry_after: s },
});

describe('retryAfter transformer', () => {
  it('waits retry_after seconds and calls again after a 429', async () => {
    const { prev, calls } = scripted([limited(1), { ok: true, result: 'sent' }]);
    const t = retryAfter({ maxAttempts: 3, maxTotalWaitMs: 5000, log });
    const res = await t(prev as never, 'sendMessage', {} as never);
    expect(res).toEqual({ ok: true, result: 'sent' });
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(950);
  });

  it('gives the 429 back when the wait would pass its bound', async () => {
    const { prev, calls } = scripted([limited(60)]);
    const t = retryAfter({ maxAttempts: 3, maxTotalWaitMs: 5000, log });
    expect(await t(prev as never, 'sendMessage', {} as never)).toMatchObject({ ok: false, error_code: 429 });
    expect(calls).toHaveLength(1);
  });

  it('stops after maxAttempts calls', async () => {
    const { prev, calls } = scripted([limited(1), limited(1), limited(1)]);
    const t = retryAfter({ maxAttempts: 2, maxTotalWaitMs: 60_000, log });
    expect(await t(prev as never, 'sendMessage', {} as never)).toMatchObject({ error_code: 429 });
    expect(calls).toHaveLength(2);
  });

  it('passes other errors through at once', async () => {
    const { prev, calls } = scripted([{ ok: false, error_code: 400, description: 'Bad Request' }]);
    const t = retryAfter({ maxAttempts: 3, maxTotalWaitMs: 5000, log });
    expect(await t(prev as never, 'sendMessage', {} as never)).toMatchObject({ error_code: 400 });
    expect(calls).toHaveLength(1);
  });
});
