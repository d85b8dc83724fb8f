/** The route plan's pattern work: who costs a pattern match at all, and that a catastrophic pattern stays cheap. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UnknownSenderPolicy } from '../../protocol/vocabulary.js';
import { patternMatches } from '../../protocol/pattern.js';
import { chat, msg, snap, summary, type W } from '../../test/support/route-plan.js';
import { planRoute } from './route-plan.js';

// The pattern engine, spied on (it still matches): which messages cost pattern work.
vi.mock('../../protocol/pattern.js', async (original) => {
  const engine = await original<{ patternMatches: typeof patternMatches }>();
  return { ...engine, patternMatches: vi.fn(engine.patternMatches) };
});

describe('pattern work', () => {
  const engine = vi.mocked(patternMatches);
  afterEach(() => engine.mockClear());
  const catastrophic = '^(a+)+$';

  it('a catastrophic pattern against a 10k-character message is routed in well under a second', () => {
    const started = performance.now();
    const plan = planRoute(
      msg({ text: `${'a'.repeat(10_000)}!`, isMention: false }),
      snap(chat('public'), [{ mode: 'pattern', pattern: catastrophic }]),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    // The head the pattern sees is all `a`, so it engages.
    expect(summary(plan)).toBe('dropped=- to=[ag-1:wake:shared] drops=[] reply=- upsert');
  });

  it.each<[string, UnknownSenderPolicy, W, string | null, string]>([
    ['a stranger in a strict chat', 'strict', {}, 'telegram:42', 'unknown_sender_strict'],
    [
      'a sender without a handle in a request_approval chat',
      'request_approval',
      {},
      null,
      'no_sender_identity',
    ],
    [
      'a stranger outside the sender scope of a public chat',
      'public',
      { scope: 'known' },
      'telegram:42',
      'sender_scope',
    ],
  ])('%s costs no pattern work and is refused', (_name, policy, w, userId, reason) => {
    const plan = planRoute(
      msg({ text: `${'a'.repeat(10_000)}!`, isMention: false, senderHandle: userId && '42' }),
      snap(chat(policy), [{ ...w, mode: 'pattern', pattern: catastrophic }], { userId }),
    );
    expect(engine).not.toHaveBeenCalled();
    expect(plan.deliveries).toEqual([]);
    expect(plan.dropped).toBe(reason);
  });

  it('a sender who may be delivered, now or after approval, is matched', () => {
    for (const [policy, allowed] of [
      ['strict', true],
      ['request_approval', false],
      ['public', false],
    ] as const)
      planRoute(
        msg({ text: '!ask', isMention: false }),
        snap(chat(policy), [{ allowed, mode: 'pattern', pattern: '^!ask' }]),
      );
    expect(engine).toHaveBeenCalledTimes(3);
  });
});
