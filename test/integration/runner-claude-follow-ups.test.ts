/**
 * Follow-ups and /stop with the claude provider: the real runner, SDK and Claude Code binary against the fake
 * Anthropic API (test/support/fake-anthropic.ts, SLOW:<ms> holds a reply). A follow-up is a further user
 * message of the same query; /stop interrupts the query and the conversation resumes afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STOPPED_REPLY } from '../../protocol/commands.js';
import { FakeAnthropic, type RecordedRequest } from '../support/fake-anthropic.js';
import {
  HostSide,
  TEST_TOKEN,
  startReadyRunner,
  stopAll,
  waitFor,
  type RunnerProcess,
} from '../support/runner-harness.js';

const KEY = 'continuation:claude';
const userTexts = (r: RecordedRequest) =>
  (r.body.messages ?? []).filter((m) => m.role === 'user').map((m) => JSON.stringify(m.content));

describe('agent-runner claude provider: follow-ups and /stop', () => {
  let host: HostSide;
  let fake: FakeAnthropic;
  let runner: RunnerProcess;

  beforeAll(async () => {
    fake = await FakeAnthropic.start();
    host = HostSide.create();
    runner = await startReadyRunner(host, {
      NANOCLAW_PROVIDER: 'claude',
      NANOCLAW_MODEL: 'claude-fake-model',
      NANOCLAW_SESSION_TOKEN: TEST_TOKEN,
      ANTHROPIC_BASE_URL: fake.url,
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await stopAll();
    await fake.close();
    host.close();
  });

  const replies = (id: string) => host.repliesTo(id).map((r) => r.json.text);
  const logCount = (msg: string) => runner.logs.filter((l) => l.msg === msg).length;

  it('pushes a message that arrives mid-turn into the same query', async () => {
    const turns = logCount('turn started');
    const queries = logCount('claude query started');
    const first = host.chat('first question SLOW:2500');
    await waitFor('claim', () => host.ack(first) === 'processing', 30_000);
    await waitFor(
      'the slow model call',
      () => fake.messageRequests().some((r) => userTexts(r).join().includes('SLOW:2500')),
      30_000,
    );
    const second = host.chat('second thought');
    await waitFor('the follow-up claimed', () => host.ack(second) === 'processing', 10_000);
    expect(await host.finished(first, 60_000)).toBe('completed');
    expect(host.ack(second)).toBe('completed');
    expect(replies(second)).toEqual([]);
    expect(replies(first)).toHaveLength(1);
    expect(replies(first)[0]).toContain('Fake model reply to: first question SLOW:2500');
    expect(replies(first)[0]).toContain('Fake model reply to: second thought');
    // One turn, one SDK query: the follow-up went into the live query as a further user message.
    expect(logCount('turn started') - turns).toBe(1);
    expect(logCount('claude query started') - queries).toBe(1);
    const withFollowUp = fake.messageRequests().find((r) => userTexts(r).join().includes('second thought'))!;
    expect(withFollowUp).toBeDefined();
    expect(userTexts(withFollowUp).join()).toContain('first question');
  });

  it('interrupts the running query on /stop from its sender; the conversation goes on', async () => {
    const before = host.state(KEY);
    expect(before).not.toBeNull();
    const long = host.chat('take forever SLOW:60000');
    await waitFor(
      'the slow model call',
      () => fake.messageRequests().some((r) => userTexts(r).join().includes('SLOW:60000')),
      30_000,
    );
    const started = Date.now();
    const stop = host.chat('/stop');
    expect(await host.finished(long, 20_000)).toBe('completed');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(replies(stop)).toEqual([STOPPED_REPLY]);
    expect(replies(long)).toEqual([]);
    expect(runner.logs.some((l) => l.msg === 'interrupt failed; aborting the query')).toBe(false);
    expect(host.state(KEY)).toBe(before);
    const next = host.chat('are you back?');
    expect(await host.finished(next, 30_000)).toBe('completed');
    expect(replies(next)).toEqual(['Fake model reply to: are you back?']);
    expect(host.state(KEY)).toBe(before);
  });
});
