/**
 * The admin CLI as a real process against a real data dir, next to a running host: status and the list verbs see
 * what the host did, `tasks run-now` makes a scheduled task run now (the host's sweep takes the wake request and
 * starts a runner for the idle session), and bad input exits 2 naming the argument.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function cli(
  dataDir: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NANOCLAW_DATA_DIR: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function cliJson<T>(dataDir: string, args: string[]): Promise<T> {
  const r = await cli(dataDir, [...args, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe('nanoclaw admin verbs beside a running host', () => {
  it('tasks run-now wakes the idle session and the task runs; status and sessions show the runner', async () => {
    const dataDir = tempDir();
    seedWeb(dataDir);
    const h: HostProcess = await startHostProcess({ dataDir, env: { NANOCLAW_IDLE_TIMEOUT_SECONDS: '2' } });
    cleanup.push(() => h.stop());
    const chat = new ChatStream(h.url, 'main');
    cleanup.push(() => chat.close());
    await chat.opened();

    const later = JSON.stringify({
      prompt: 'later please',
      processAfter: new Date(Date.now() + 3600_000).toISOString(),
    });
    await send(h.url, { text: `plan [[tool:schedule_task ${later}]]` });
    await chat.waitFor((r) => r.text.startsWith('Mock response to: plan'), 20_000);

    type TaskRow = { task: string; session: string; status: string };
    let tasks: TaskRow[] = [];
    await expect
      .poll(async () => (tasks = await cliJson<TaskRow[]>(dataDir, ['tasks', 'list'])).length, {
        timeout: 15_000,
      })
      .toBe(1);
    const [task] = tasks;
    expect(task).toMatchObject({ status: 'pending' });

    // The runner goes idle and stops; the session stays.
    await expect
      .poll(async () => (await cliJson<{ runner: string }[]>(dataDir, ['sessions']))[0]?.runner, {
        timeout: 20_000,
      })
      .toBe('stopped');

    const r = await cli(dataDir, ['tasks', 'run-now', task!.task]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`task ${task!.task} of session ${task!.session}: due now\n`);
    await chat.waitFor((m) => m.text === 'Mock response to: later please', 20_000);
    await expect.poll(() => cliJson<unknown[]>(dataDir, ['tasks', 'list']), { timeout: 15_000 }).toEqual([]);

    const status = await cliJson<Record<string, Record<string, unknown>[]>>(dataDir, ['status']);
    expect(status.sessions).toEqual([
      expect.objectContaining({ id: task!.session, agentGroup: 'assistant' }),
    ]);
    expect(status.roles).toEqual([expect.objectContaining({ user: 'web:local', role: 'owner' })]);
    expect(status.chats).toEqual([
      expect.objectContaining({ channel: 'web', platformId: 'main', agents: 'assistant' }),
    ]);
    const table = await cli(dataDir, ['status']);
    expect(table.stdout).toContain('SESSIONS AND RUNNERS\n');
  });

  it('exits 2 naming the bad argument, 1 on a runtime failure', async () => {
    const dataDir = tempDir();
    seedWeb(dataDir);
    const scoped = await cli(dataDir, [
      'roles',
      'grant',
      'telegram:1',
      'owner',
      '--agent-group',
      'assistant',
    ]);
    expect(scoped.code).toBe(2);
    expect(scoped.stderr).toContain('roles grant: --agent-group: an owner is global');
    const user = await cli(dataDir, ['members', 'add', 'bob', '--agent-group', 'assistant']);
    expect(user.code).toBe(2);
    expect(user.stderr).toContain('<user>: user id "bob" must look like');
    const missing = await cli(dataDir, ['status', '--data-dir', `${dataDir}/nope`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--data-dir: no central DB');
    const output = await cli(dataDir, ['users', '-o', 'csv']);
    expect(output).toMatchObject({ code: 2 });
    expect(output.stderr).toContain('users: -o must be one of table, json, yaml, not "csv"');
    const revoke = await cli(dataDir, ['roles', 'revoke', 'web:nobody', 'admin']);
    expect(revoke.code).toBe(1);
    expect((await cli(dataDir, ['tasks', 'cancel', 'task-x'])).code).toBe(1);
    expect((await cli(dataDir, ['no-such-verb'])).code).toBe(2);
    const help = await cli(dataDir, ['roles', '--help']);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/^Usage: nanoclaw roles list/);
  });
});
