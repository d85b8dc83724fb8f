/**
 * A monthly token budget end to end: web chat → host → runner (real Claude Agent SDK) → the host's credential
 * proxy → the fake Anthropic API. The proxy counts what the API answered; a budget of one token is crossed by the
 * first answer, after which the agent group is paused: the API sees no further call and the chat hears it once;
 * what is asked meanwhile is held, and answered once the budget is raised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../cli/status.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { listModelUsage } from '../../host/db/model-usage.js';
import { periodOf } from '../../host/budget/budget-period.js';
import { runVerb } from '../support/cli-run.js';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb, withDb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

const KEY = 'sk-ant-api03-the-real-key-for-the-budget-test';
const NOTICE = 'reached its monthly budget of 1 tokens';
let fake: FakeAnthropic;
let host: HostProcess;
let chat: ChatStream;

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  const dataDir = tempDir();
  seedWeb(dataDir);
  withDb(dataDir, (db) =>
    upsertAgentGroup(db, {
      id: 'assistant',
      name: 'assistant',
      folder: 'assistant',
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      budgetMonthlyTokens: 1,
    }),
  );
  host = await startHostProcess({ dataDir, env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url } });
  chat = new ChatStream(host.url);
  await chat.opened();
}, 120_000);

afterAll(async () => {
  chat?.close();
  await host?.stop();
  await fake?.close();
});

const notices = () => chat.messages.filter((m) => m.text.includes(NOTICE));

describe('a monthly token budget on a real host', () => {
  it('counts the tokens of the first answer, then pauses the agent group with one notice', async () => {
    await send(host.url, { text: 'first question' });
    await chat.waitFor((r) => r.text.startsWith('Fake model reply to:'), 90_000);
    const usage = withDb(host.dataDir, (db) => listModelUsage(db, periodOf(new Date())));
    expect(usage).toEqual([expect.objectContaining({ agent_group_id: 'assistant' })]);
    expect(usage[0]!.input_tokens).toBeGreaterThanOrEqual(12);

    await send(host.url, { text: 'second question' });
    await chat.waitFor((r) => r.text.includes(NOTICE), 60_000);
    const calls = fake.messageRequests().length;
    await send(host.url, { text: 'third question' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(notices()).toHaveLength(1);
    expect(fake.messageRequests().length).toBe(calls);
    expect(chat.messages.some((m) => m.text.includes('Fake model reply to: third question'))).toBe(false);
    // Held, not failed: no error reply was sent for the questions asked while paused.
    expect(chat.messages.some((m) => m.text.startsWith('Error'))).toBe(false);

    const status = await runVerb(statusCommand, ['-o', 'json', '--data-dir', host.dataDir]);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { usage: Record<string, unknown>[] };
    expect(report.usage).toEqual([
      expect.objectContaining({
        agentGroup: 'assistant',
        budget: 1,
        state: 'paused',
        calls: usage[0]!.calls,
      }),
    ]);
  }, 180_000);

  it('answers what was asked while paused once the budget is raised, without another message', async () => {
    withDb(host.dataDir, (db) =>
      upsertAgentGroup(db, {
        id: 'assistant',
        name: 'assistant',
        folder: 'assistant',
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        budgetMonthlyTokens: 1_000_000_000,
      }),
    );
    await chat.waitFor(
      (r) => r.text.includes('third question') && r.text.startsWith('Fake model reply to:'),
      60_000,
    );
    // The second question was held too: it reached the model with the third (one turn may answer both).
    const asked = fake.messageRequests().map((r) => JSON.stringify(r.body));
    expect(asked.some((r) => r.includes('second question'))).toBe(true);
    expect(notices()).toHaveLength(1);
  }, 120_000);
});
