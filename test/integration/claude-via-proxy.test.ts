/**
 * The claude provider end to end through the host: web chat → host → runner (real Claude Agent SDK and Claude Code)
 * → the host's credential proxy → a fake Anthropic API. The fake must see the host's real key and never the
 * runner's session token; the runner process must never see the real key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { freePort } from '../fixtures/kube/processes.js';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb, withDb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

const REAL_KEY = 'sk-ant-api03-the-real-key-held-only-by-the-host';
let fake: FakeAnthropic;
let host: HostProcess;
let chat: ChatStream;
let runnerPort: number;

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
    }),
  );
  runnerPort = await freePort();
  host = await startHostProcess({
    dataDir,
    env: {
      ANTHROPIC_API_KEY: REAL_KEY,
      ANTHROPIC_BASE_URL: fake.url,
      NANOCLAW_RUNNER_PORT: String(runnerPort),
    },
  });
  chat = new ChatStream(host.url);
  await chat.opened();
}, 120_000);

afterAll(async () => {
  chat?.close();
  await host?.stop();
  await fake?.close();
});

describe('claude through the credential proxy', () => {
  it('answers with the model and swaps the session token for the real key on the way out', async () => {
    await send(host.url, { text: 'what is two plus two?' });
    const reply = await chat.waitFor((r) => r.text.startsWith('Fake model reply to:'), 90_000);
    expect(reply.text).toContain('what is two plus two?');
    const calls = fake.messageRequests();
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.headers['x-api-key']).toBe(REAL_KEY);
      expect(JSON.stringify(c.headers)).not.toMatch(/nct_/);
    }
  });

  it('never gives the real key to the runner process or its files', () => {
    const runnerLines = host.output.filter((l) => l.includes('"component":"agent-runner"'));
    expect(runnerLines.length).toBeGreaterThan(0);
    expect(host.output.join('\n')).not.toContain(REAL_KEY);
    const sessions = path.join(host.dataDir, 'sessions', 'assistant');
    for (const s of fs.readdirSync(sessions)) {
      const pid = Number(fs.readFileSync(path.join(host.dataDir, 'run', 'runners', `${s}.pid`), 'utf8'));
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).not.toContain(REAL_KEY);
      // Sandboxed, the runner reaches the proxy through the host's runner socket; unsandboxed, by URL.
      expect(environ).toMatch(
        /ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/proxy\/anthropic|NANOCLAW_HOST_SOCKET=\/run\/nanoclaw\/runner\.sock/,
      );
    }
  });

  it('refuses a model call without a valid session token', async () => {
    const res = await fetch(`http://127.0.0.1:${runnerPort}/proxy/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'nct_forged', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });
});
