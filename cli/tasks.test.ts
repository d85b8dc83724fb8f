/** `nanoclaw tasks` against a real data dir: a session's inbound.db changed the way the runner's requests change it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgentGroup } from '../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import { applySystemAction } from '../host/delivery/system-actions.js';
import { dataLayout } from '../host/session/layout.js';
import { SessionDbs } from '../host/session/session-dbs.js';
import { getSession, resolveSession } from '../host/session/session-store.js';
import { runVerb } from '../test/support/cli-run.js';
import { tasksCommand } from './tasks.js';

let dataDir: string;
let db: CentralDb;
let sessionId: string;
const future = new Date(Date.now() + 3600_000).toISOString();

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-tasks-'));
  db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  upsertAgentGroup(db, { id: 'alpha', name: 'Alpha', folder: 'alpha', provider: 'mock' });
  sessionId = resolveSession(db, {
    agentGroupId: 'alpha',
    messagingGroupId: null,
    threadId: null,
    mode: 'agent-shared',
  }).session.id;
  const dbs = new SessionDbs(db, dataLayout(dataDir));
  const inbound = dbs.get(sessionId)!.inbound();
  const routing = { channelType: null, platformId: null, threadId: null };
  for (const [taskId, recurrence] of [
    ['task-daily', '0 9 * * *'],
    ['task-once', null],
  ] as const)
    applySystemAction(
      inbound,
      null,
      { action: 'schedule_task', taskId, prompt: `do ${taskId}`, processAfter: future, recurrence },
      routing,
    );
  dbs.closeAll();
});

afterEach(() => {
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const run = (...argv: string[]) => runVerb(tasksCommand, [...argv, '--data-dir', dataDir]);
async function list(...extra: string[]): Promise<Record<string, unknown>[]> {
  const r = await run('list', '-o', 'json', ...extra);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}
const wakes = () => db.all(db.q.selectFrom('wake_requests').selectAll());

describe('nanoclaw tasks', () => {
  it('lists the live tasks of every active session or of one', async () => {
    expect(await list()).toEqual([
      expect.objectContaining({
        task: 'task-daily',
        session: sessionId,
        status: 'pending',
        recurrence: '0 9 * * *',
      }),
      expect.objectContaining({ task: 'task-once', prompt: 'do task-once', processAfter: future }),
    ]);
    expect(await list('--session', sessionId)).toHaveLength(2);
    const table = await run('list');
    expect(table.stdout).toMatch(/^TASK\s+OCCURRENCE\s+SESSION\s+STATUS/);
  });

  it('pauses, resumes and cancels like the runner would, and keeps the next wake in step', async () => {
    expect((await run('pause', 'task-daily')).stdout).toBe(
      `task task-daily of session ${sessionId}: paused\n`,
    );
    expect((await list()).map((t) => t.status)).toEqual(['paused', 'pending']);
    expect((await run('pause', 'task-daily')).stderr).toContain('no pending task task-daily');
    expect((await run('resume', 'task-daily', '--session', sessionId)).code).toBe(0);
    expect((await run('cancel', 'task-once')).code).toBe(0);
    expect((await list()).map((t) => t.task)).toEqual(['task-daily']);
    expect((await list('--all')).map((t) => t.status)).toEqual(['pending', 'completed']);
    expect(getSession(db, sessionId)!.next_wake_at).toBe(future);
    expect(wakes()).toEqual([]);
  });

  it('run-now makes the task due now and asks the host to wake the session', async () => {
    const r = await run('run-now', 'task-once', '-o', 'json');
    expect(JSON.parse(r.stdout)).toEqual({
      action: 'run-now',
      task: 'task-once',
      session: sessionId,
      rows: 1,
    });
    const once = (await list()).find((t) => t.task === 'task-once')!;
    expect(Date.parse(once.processAfter as string)).toBeLessThanOrEqual(Date.now());
    expect(wakes()).toEqual([
      expect.objectContaining({ session_id: sessionId, reason: 'tasks run-now task-once' }),
    ]);

    await run('pause', 'task-daily');
    expect((await run('run-now', 'task-daily')).stderr).toContain(
      'task "task-daily" is paused; resume it first',
    );
  });

  it('names what is wrong', async () => {
    expect((await run('pause')).stderr).toContain('tasks pause: expected <task-id> after "pause", got 0');
    expect((await run('run-now', 'nope')).stderr).toContain('no pending or paused task "nope"');
    const session = await run('list', '--session', 'sess-x');
    expect(session.code).toBe(2);
    expect(session.stderr).toContain('--session: no session "sess-x"');
    expect((await run('stop', 'x')).stderr).toContain('unknown action "stop"');
  });
});
