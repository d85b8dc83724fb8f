import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_RETRY, planScriptFailure } from './script-backoff.js';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');

describe('planScriptFailure', () => {
  it('retries after the base wait, then twice as long, and pauses at the limit', () => {
    expect(planScriptFailure(0, NOW, DEFAULT_SCRIPT_RETRY)).toEqual({
      action: 'retry',
      failures: 1,
      retryAt: '2026-01-01T00:00:30.000Z',
    });
    expect(planScriptFailure(1, NOW, DEFAULT_SCRIPT_RETRY)).toEqual({
      action: 'retry',
      failures: 2,
      retryAt: '2026-01-01T00:01:00.000Z',
    });
    expect(planScriptFailure(2, NOW, DEFAULT_SCRIPT_RETRY)).toEqual({ action: 'pause', failures: 3 });
  });

  it('pauses at the first failure when the limit is 1', () => {
    expect(planScriptFailure(0, NOW, { baseMs: 1000, maxFailures: 1 })).toEqual({
      action: 'pause',
      failures: 1,
    });
  });

  it('never waits more than an hour', () => {
    const plan = planScriptFailure(20, NOW, { baseMs: 30_000, maxFailures: 100 });
    expect(plan).toEqual({ action: 'retry', failures: 21, retryAt: '2026-01-01T01:00:00.000Z' });
  });

  it('treats a count that is not a whole number as the whole number below it', () => {
    expect(planScriptFailure(1.7, NOW, DEFAULT_SCRIPT_RETRY)).toMatchObject({ failures: 2 });
    expect(planScriptFailure(-5, NOW, DEFAULT_SCRIPT_RETRY)).toMatchObject({ failures: 1 });
  });
});
