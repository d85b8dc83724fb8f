/**
 * The host checks its ANTHROPIC_API_KEY when it starts, against a fake model API (test/support/fake-anthropic.ts)
 * that accepts one key and answers 401 to any other: a refused key is an error line at start, and a message sent
 * afterwards gets the API's error in the chat after one model call — not after minutes of retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb, withDb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

const GOOD_KEY = 'sk-ant-api03-the-key-the-api-knows';
const BAD_KEY = 'sk-ant-api03-a-key-the-api-refuses';
let fake: FakeAnthropic;
const hosts: HostProcess[] = [];

async function claudeHost(apiKey: string): Promise<HostProcess> {
  const dataDir = tempDir();
  seedWeb(dataDir);
  withDb(dataDir, (db) =>
    upsertAgentGroup(db, {
      id: 'assistant',
      name: 'assistant',
      folder: 'assistant',
      provider: 'claude',
      model: 'claude-fake',
    }),
  );
  const host = await startHostProcess({
    dataDir,
    env: { ANTHROPIC_API_KEY: apiKey, ANTHROPIC_BASE_URL: fake.url, LOG_LEVEL: 'info' },
  });
  hosts.push(host);
  return host;
}

beforeAll(async () => {
  fake = await FakeAnthropic.start(undefined, { apiKey: GOOD_KEY });
});
afterAll(async () => {
  for (const h of hosts) await h.stop();
  await fake?.close();
});

describe('the API key checked at start', () => {
  it('says at start that the model API accepted the key', async () => {
    const host = await claudeHost(GOOD_KEY);
    const line = await host.waitForLog((l) => String(l.msg).startsWith('ANTHROPIC_API_KEY accepted'));
    expect(line).toMatchObject({ level: 30, upstream: fake.url });
  });

  it('says at start that the key was refused, and a message then gets the error within seconds', async () => {
    const host = await claudeHost(BAD_KEY);
    const line = await host.waitForLog((l) => String(l.msg).startsWith('ANTHROPIC_API_KEY refused'));
    expect(line).toMatchObject({ level: 50, status: 401, reason: 'invalid x-api-key' });
    expect(host.output.join('\n')).not.toContain(BAD_KEY);

    const chat = new ChatStream(host.url);
    await chat.opened();
    const callsBefore = fake.messageRequests().length;
    await send(host.url, { text: 'hello?' });
    // Claude Code retries a plain 401 for about three minutes (11 calls); the proxy's x-should-retry: false
    // makes it give up after the first.
    const reply = await chat.waitFor((m) => /Invalid API key/.test(m.text), 30_000);
    chat.close();
    expect(reply.text).toMatch(/^Error: /);
    expect(fake.messageRequests().length - callsBefore).toBe(1);
  }, 90_000);
});
