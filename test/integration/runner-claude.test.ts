/**
 * The claude provider end to end: the real agent-runner process, the real Claude Agent SDK and the Claude Code
 * binary it bundles, talking to a fake Anthropic Messages API on 127.0.0.1 (test/support/fake-anthropic.ts).
 * Only the model is fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, SEND_TOOL, type RecordedRequest } from '../support/fake-anthropic.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  HostSide,
  TEST_TOKEN,
  startReadyRunner,
  stopAll,
  type RunnerProcess,
} from '../support/runner-harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY = 'continuation:claude';
const roles = (r: RecordedRequest) => (r.body.messages ?? []).map((m) => m.role);

describe('agent-runner claude provider against a fake Anthropic API', () => {
  let host: HostSide;
  let fake: FakeAnthropic;
  let runner: RunnerProcess;

  beforeAll(async () => {
    fake = await FakeAnthropic.start();
    host = HostSide.create();
    host.destination('ops', 'telegram', 'tg-ops');
    runner = await startReadyRunner(host, {
      NANOCLAW_PROVIDER: 'claude',
      NANOCLAW_MODEL: 'claude-fake-model',
      NANOCLAW_SESSION_TOKEN: TEST_TOKEN,
      ANTHROPIC_BASE_URL: fake.url,
      // Must never reach the child: the runner has no real key and must not leak one.
      ANTHROPIC_API_KEY: 'sk-ant-real-key-that-must-not-leak',
      ANTHROPIC_AUTH_TOKEN: 'another-credential-that-must-not-leak',
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await stopAll();
    await fake.close();
    host.close();
  });

  const turn = async (text: string, sender = 'web:alice', timeoutMs = 30_000) => {
    const requestsBefore = fake.messageRequests().length;
    const id = host.chat(text, { sender });
    const status = await host.finished(id, timeoutMs);
    return {
      id,
      status,
      replies: host.repliesTo(id).map((r) => r.json.text),
      requests: fake.messageRequests().slice(requestsBefore),
    };
  };

  it('gets the reply from the model, presenting only the session token', async () => {
    const t = await turn('hello model');
    expect(t.status).toBe('completed');
    expect(t.replies).toEqual(['Fake model reply to: hello model']);
    expect(t.requests.length).toBeGreaterThan(0);
    for (const r of fake.requests) {
      expect(r.headers['x-api-key']).toBe(TEST_TOKEN);
      expect(r.headers.authorization).toBeUndefined();
      expect(JSON.stringify(r.body)).not.toContain('must-not-leak');
    }
    expect(t.requests[0]!.body.model).toBe('claude-fake-model');
    expect(host.state(KEY)).toMatch(UUID);
  });

  it('runs the MCP send_message tool the model calls, and resumes the same SDK session', async () => {
    const before = host.state(KEY);
    const t = await turn('please tell the team SEND_TO:ops');
    expect(t.status).toBe('completed');
    expect(t.requests[0]!.body.tools?.map((x) => x.name)).toContain(SEND_TOOL);
    // History of the previous turn came along (resume), and the session id is kept.
    expect(roles(t.requests[0]!)).toContain('assistant');
    expect(host.state(KEY)).toBe(before);
    const sent = host.rows().filter((r) => r.platform_id === 'tg-ops');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'chat',
      channel_type: 'telegram',
      json: { text: 'hello from the model' },
    });
    expect(t.replies).toHaveLength(1);
    expect(t.replies[0]).toMatch(/^Tool said: Message sent to ops \(id out-/);
  });

  it('refuses /compact from a non-admin without calling the model', async () => {
    const t = await turn('/compact', 'web:bob');
    expect(t.replies).toEqual(['Permission denied: /compact requires admin access.']);
    expect(t.requests).toEqual([]);
  });

  it('passes /compact from an admin to Claude Code as a native slash command', async () => {
    const before = host.state(KEY);
    const t = await turn('/compact', 'web:admin');
    expect(t.status).toBe('completed');
    // Claude Code summarizes through the model and prints nothing, so the runner confirms the command.
    expect(t.replies).toEqual(['/compact done.']);
    expect(t.requests.length).toBeGreaterThan(0);
    expect(host.state(KEY)).toBe(before);
  });

  it('/clear from an admin resets the continuation; the next turn starts a new session', async () => {
    const before = host.state(KEY);
    const c = await turn('/clear', 'web:admin');
    expect(c.replies).toEqual(['Session cleared.']);
    expect(c.requests).toEqual([]);
    expect(host.state(KEY)).toBeNull();
    const t = await turn('who am I talking to?');
    expect(t.replies).toEqual(['Fake model reply to: who am I talking to?']);
    expect(roles(t.requests[0]!).filter((r) => r !== 'system')).toEqual(['user']);
    expect(host.state(KEY)).toMatch(UUID);
    expect(host.state(KEY)).not.toBe(before);
  });

  it('turns a model API error into an "Error: …" reply and a failed ack', async () => {
    const t = await turn('please fail API_ERROR');
    expect(t.status).toBe('failed');
    expect(t.replies).toHaveLength(1);
    expect(t.replies[0]).toMatch(/^Error: .*fake model refused the request/);
  });

  it('drops a continuation whose transcript is gone and starts a new session', async () => {
    await turn('warm up');
    const before = host.state(KEY);
    expect(before).toMatch(UUID);
    // Transcripts live in the workspace (CLAUDE_CONFIG_DIR); losing them makes the stored id unknown.
    const projects = path.join(host.dir, '.claude', 'projects');
    expect(fs.existsSync(projects)).toBe(true);
    fs.rmSync(projects, { recursive: true, force: true });
    const t = await turn('after amnesia');
    expect(t.status).toBe('completed');
    expect(t.replies).toEqual(['Fake model reply to: after amnesia']);
    expect(host.state(KEY)).toMatch(UUID);
    expect(host.state(KEY)).not.toBe(before);
    expect(runner.logs.some((l) => String(l.msg).startsWith('stored continuation unknown'))).toBe(true);
  });
});
