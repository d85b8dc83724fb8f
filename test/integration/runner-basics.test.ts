/**
 * The agent-runner as a real process against real session DB files, with this test playing the host:
 * replies, batching with accumulated context, provider errors, tasks, heartbeat, bad env, clean exit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HostSide,
  startReadyRunner,
  startRunner,
  stopAll,
  waitFor,
  type RunnerProcess,
} from '../support/runner-harness.js';

describe('agent-runner (mock provider, polling only)', () => {
  let host: HostSide;
  let runner: RunnerProcess;

  beforeAll(async () => {
    host = HostSide.create();
    runner = await startReadyRunner(host);
  });
  afterAll(async () => {
    await stopAll();
    host.close();
  });

  it('answers a chat message in its own conversation, in reply to it, with an odd seq', async () => {
    const id = host.chat('hello there', { platformId: 'chat-7', threadId: 'th-1' });
    expect(await host.finished(id)).toBe('completed');
    const replies = host.repliesTo(id);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      kind: 'chat',
      channel_type: 'web',
      platform_id: 'chat-7',
      thread_id: 'th-1',
      json: { text: 'Mock response to: hello there' },
    });
    const inSeq = host.inbound.raw.prepare('SELECT seq FROM messages_in WHERE id = ?').get(id) as {
      seq: number;
    };
    expect(replies[0]!.seq % 2).toBe(1);
    expect(replies[0]!.seq).toBeGreaterThan(inSeq.seq);
    expect(host.state('continuation:mock')).toMatch(/^mock-\d+$/);
  });

  it('lets accumulated context ride along with the next triggering message', async () => {
    const c1 = host.chat('side remark one', { trigger: 0, sender: 'web:bob', senderName: 'Bob' });
    const c2 = host.chat('side remark two', { trigger: 0, sender: 'web:carol', senderName: 'Carol' });
    // Context alone does not wake the agent.
    await new Promise((r) => setTimeout(r, 400));
    expect(host.ack(c1)).toBeNull();
    const t = host.chat('what did they say? [[echo-context]]');
    expect(await host.finished(t)).toBe('completed');
    expect(host.ack(c1)).toBe('completed');
    expect(host.ack(c2)).toBe('completed');
    expect(host.repliesTo(t)[0]!.json.text).toBe(
      [
        'Mock context (3):',
        `- ${c1} (context) Bob (web:bob): side remark one`,
        `- ${c2} (context) Carol (web:carol): side remark two`,
        `- ${t} Alice (web:alice): what did they say?`,
      ].join('\n'),
    );
    expect(host.repliesTo(c1)).toEqual([]);
  });

  it('turns a provider error into an "Error: …" reply and a failed ack', async () => {
    const id = host.chat('break please [[error:boom]]');
    expect(await host.finished(id)).toBe('failed');
    expect(host.repliesTo(id).map((r) => r.json.text)).toEqual(['Error: boom']);
  });

  it('acks a silent turn without a reply', async () => {
    const id = host.chat('[[silent]] shh');
    expect(await host.finished(id)).toBe('completed');
    expect(host.repliesTo(id)).toEqual([]);
  });

  it('runs a due task prompt and leaves a future one alone', async () => {
    const future = host.task('later', { processAfter: '2999-01-01T00:00:00.000Z' });
    const due = host.task('water the plants', { processAfter: '2000-01-01T00:00:00.000Z' });
    expect(await host.finished(due)).toBe('completed');
    expect(host.repliesTo(due)[0]!.json.text).toBe('Mock response to: water the plants');
    expect(host.ack(future)).toBeNull();
  });

  it('fails a row whose content does not match its kind, without a reply or a retry', async () => {
    const id = host.rawChat({ wrong: true });
    expect(await host.finished(id)).toBe('failed');
    const next = host.chat('still alive?');
    expect(await host.finished(next)).toBe('completed');
    expect(host.repliesTo(id)).toEqual([]);
    expect(host.ack(id)).toBe('failed');
  });

  it('batches several messages that arrive together into one turn', async () => {
    await runner.stop();
    const a = host.chat('first');
    const b = host.chat('second');
    runner = await startReadyRunner(host);
    expect(await host.finished(b)).toBe('completed');
    expect(host.ack(a)).toBe('completed');
    expect(host.repliesTo(a)).toEqual([]);
    expect(host.repliesTo(b).map((r) => r.json.text)).toEqual(['Mock response to: second']);
  });
});

describe('agent-runner process lifecycle', () => {
  let host: HostSide;
  afterEach(async () => {
    await stopAll();
    host.close();
  });

  it('touches the heartbeat at start and on provider activity', async () => {
    host = HostSide.create();
    const runner = await startReadyRunner(host);
    const first = fs.statSync(host.paths.heartbeat).mtimeMs;
    const id = host.chat('slow one [[delay:1200]]');
    await host.finished(id);
    expect(fs.statSync(host.paths.heartbeat).mtimeMs).toBeGreaterThan(first);
    expect((await runner.stop()).code).toBe(0);
  });

  it('waits for the host to create inbound.db', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-runner-late-'));
    const runner = startRunner(dir);
    await runner.waitForLog((l) => l.msg === 'agent-runner starting');
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.logs.some((l) => l.msg === 'agent-runner ready')).toBe(false);
    host = new HostSide(dir);
    const id = host.chat('are you there?');
    expect(await host.finished(id)).toBe('completed');
  });

  it.each([
    ['NANOCLAW_SESSION_ID', { NANOCLAW_SESSION_ID: undefined }],
    ['NANOCLAW_MAX_BATCH', { NANOCLAW_MAX_BATCH: '0' }],
    ['NANOCLAW_HOST_URL', { NANOCLAW_HOST_URL: 'not a url' }],
  ])('exits 1 naming a bad %s', async (variable, env) => {
    host = HostSide.create();
    const runner = startRunner(host, env);
    const { code } = await runner.exited;
    expect(code).toBe(1);
    expect(runner.stderr.join('\n')).toContain(variable);
    expect(fs.existsSync(host.paths.outboundDb)).toBe(false);
  });

  it('finishes the current turn on SIGTERM and exits 0', async () => {
    host = HostSide.create();
    const runner = await startReadyRunner(host);
    const id = host.chat('take your time [[delay:800]]');
    await waitFor('claim', () => host.ack(id) === 'processing');
    const exit = await runner.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(host.ack(id)).toBe('completed');
    expect(host.repliesTo(id)).toHaveLength(1);
  });
});
