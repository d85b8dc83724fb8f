/**
 * Pre-task scripts through the real host process and real sandboxed runners (NANOCLAW_SANDBOX=bubblewrap, mock
 * provider with its shell on): the script runs in the runner before the agent, its last line decides whether the
 * agent is woken and with what data, and a failing script backs off and pauses its task with one notice.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentShell, seedShellAgent } from '../support/agent-shell.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { STOPPED_REPLY } from '../../protocol/commands.js';
import { ChatStream, send, sleep } from '../support/web-client.js';

let host: HostProcess;
let sh: AgentShell;
let dataDir: string;
const streams: ChatStream[] = [];

beforeAll(async () => {
  dataDir = tempDir('nc-task-scripts-');
  seedShellAgent(dataDir, ['quiet', 'wake', 'broken', 'huge', 'bad', 'long']);
  host = await startHostProcess({
    dataDir,
    env: {
      NANOCLAW_SANDBOX: 'bubblewrap',
      NANOCLAW_RUNNER_POLL_MS: '200',
      NANOCLAW_TASK_SCRIPT_RETRY_SECONDS: '0.3',
      NANOCLAW_TASK_SCRIPT_MAX_FAILURES: '3',
    },
  });
  sh = new AgentShell(() => host.url, dataDir);
}, 30_000);

afterAll(async () => {
  for (const s of streams) s.close();
  sh?.close();
  expect(await host?.stop()).toBe(0);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function watch(chat: string): Promise<ChatStream> {
  const s = new ChatStream(host.url, chat);
  streams.push(s);
  await s.opened();
  return s;
}

/** Schedules a task from the chat through the agent's schedule_task tool; returns its id. */
async function schedule(chat: ChatStream, name: string, prompt: string, script: string): Promise<string> {
  const args = JSON.stringify({ prompt, processAfter: new Date(Date.now() + 500).toISOString(), script });
  await send(host.url, { text: `${prompt} plan [[tool:schedule_task ${args}]]`, chat: name });
  const reply = await chat.waitFor((r) => r.text.startsWith(`Mock response to: ${prompt} plan`), 20_000);
  const id = /\[tool schedule_task\] Scheduled task (task-\S+):/.exec(reply.text)?.[1];
  if (!id) throw new Error(`no task id in ${JSON.stringify(reply.text)}`);
  return id;
}

/** The runner's ack of row `id` in the chat's outbound.db (read-only), if it wrote one. */
function ackStatus(chat: string, id: string): string | null {
  const file = path.join(sh.sessionDirOf(chat), 'outbound.db');
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, timeout: 1000 });
  try {
    const row = db.prepare(`SELECT status FROM processing_ack WHERE message_id = ?`).get(id) as
      { status: string } | undefined;
    return row?.status ?? null;
  } finally {
    db.close();
  }
}

/** The status of task row `id` in the chat's inbound.db (read-only). */
function taskStatus(chat: string, id: string): string | null {
  const db = new Database(path.join(sh.sessionDirOf(chat), 'inbound.db'), { readonly: true });
  try {
    const row = db.prepare(`SELECT status FROM messages_in WHERE id = ?`).get(id) as
      { status: string } | undefined;
    return row?.status ?? null;
  } finally {
    db.close();
  }
}

async function until(fn: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const paused = (id: string) => (r: { text: string }) => r.text.startsWith(`Scheduled task ${id} is paused`);

describe('pre-task scripts', () => {
  it('ends the run without waking the agent when the script says wakeAgent false', async () => {
    const chat = await watch('quiet');
    const id = await schedule(chat, 'quiet', 'stay quiet', `echo checked; echo '{"wakeAgent": false}'`);
    await until(() => taskStatus('quiet', id) === 'completed', 20_000, 'the task run completed');
    await sleep(1000);
    expect(chat.replies.map((r) => r.text)).toEqual([
      expect.stringMatching(/^Mock response to: stay quiet plan/),
    ]);
  });

  it("wakes the agent with the script's data, from a script run in the runner's sandbox without the token", async () => {
    const chat = await watch('wake');
    const script =
      `printf '{"wakeAgent": true, "data": {"new": %d, "cwd": "%s", "token": "%s"}}\\n' ` +
      `$((1 + 2)) "$(pwd)" "\${NANOCLAW_SESSION_TOKEN:-none}"`;
    await schedule(chat, 'wake', 'report', script);
    const reply = await chat.waitFor((r) => r.text.startsWith('Mock response to: report\n'), 20_000);
    expect(reply.text).toBe(
      'Mock response to: report\nMock script data: {"new":3,"cwd":"/workspace/agent","token":"none"}',
    );
  });

  it('pauses a task whose script keeps failing, tells the chat once, and resumes it with resume_task', async () => {
    const chat = await watch('broken');
    const id = await schedule(chat, 'broken', 'fragile', 'echo trying; exit 3');
    const notice = await chat.waitFor(paused(id), 30_000);
    expect(notice.text).toBe(
      `Scheduled task ${id} is paused: its pre-task script failed 3 times in a row (last: the script exited with ` +
        `code 3). Resume it with resume_task, or "nanoclaw tasks resume ${id}".`,
    );
    expect(taskStatus('broken', id)).toBe('paused');
    await sleep(1500);
    expect(chat.replies.filter(paused(id))).toHaveLength(1);
    expect(chat.replies.some((r) => r.text.startsWith('Mock response to: fragile\n'))).toBe(false);

    const fix = JSON.stringify({ taskId: id, script: `echo '{"wakeAgent": true, "data": "fixed"}'` });
    await send(host.url, {
      text: `mend [[tool:update_task ${fix}]] [[tool:resume_task ${JSON.stringify({ taskId: id })}]]`,
      chat: 'broken',
    });
    const resumed = await chat.waitFor((r) => r.text.startsWith('Mock response to: fragile\n'), 20_000);
    expect(resumed.text).toBe('Mock response to: fragile\nMock script data: "fixed"');
  });

  it('fails a script whose output is not JSON, and one that prints too much', async () => {
    const bad = await watch('bad');
    const huge = await watch('huge');
    const badId = await schedule(bad, 'bad', 'chatty', 'echo "all good, no JSON here"');
    const hugeId = await schedule(huge, 'huge', 'flood', `head -c 200000 /dev/zero | tr '\\0' x; echo`);
    expect((await bad.waitFor(paused(badId), 30_000)).text).toContain(
      "(last: the script's last line is not JSON: all good, no JSON here)",
    );
    expect((await huge.waitFor(paused(hugeId), 30_000)).text).toContain(
      '(last: the script printed more than 65536 bytes)',
    );
  });

  it('lets an admin /stop a running script: it is killed, the agent is not woken, the occurrence ends', async () => {
    const chat = await watch('long');
    const script = `sleep 25; echo '{"wakeAgent": true}'`;
    const id = await schedule(chat, 'long', 'slow check', script);
    await until(() => ackStatus('long', id) === 'processing', 20_000, 'the runner to start the script');
    const from = chat.replies.length;
    const started = Date.now();
    await send(host.url, { text: '/stop', chat: 'long' });
    await chat.waitFor((r) => r.text === STOPPED_REPLY, 10_000, from);
    expect(Date.now() - started).toBeLessThan(10_000);
    await until(() => taskStatus('long', id) === 'completed', 10_000, 'the stopped run completed');
    const next = chat.replies.length;
    await send(host.url, { text: 'after the stop', chat: 'long' });
    await chat.waitFor((r) => r.text === 'Mock response to: after the stop', 15_000, next);
    expect(chat.replies.slice(from).some((r) => r.text.startsWith('Mock response to: slow check'))).toBe(
      false,
    );
    expect(chat.replies.some(paused(id))).toBe(false);
  });

  it('refuses a script longer than the limit when the task is scheduled', async () => {
    const chat = await watch('quiet');
    const from = chat.replies.length;
    const args = JSON.stringify({
      prompt: 'too long',
      processAfter: new Date(Date.now() + 60_000).toISOString(),
      script: `echo ${'x'.repeat(16_001)}`,
    });
    await send(host.url, { text: `long [[tool:schedule_task ${args}]]`, chat: 'quiet' });
    const reply = await chat.waitFor((r) => r.text.startsWith('Mock response to: long'), 20_000, from);
    expect(reply.text).toMatch(/\[tool schedule_task error\] .*script/);
  });
});
