/** `nanoclaw status` against a real data dir (SQLite files on disk), run in-process. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CentralDb } from '../host/db/central-db.js';
import { periodOf } from '../host/budget/budget-period.js';
import { upsertAgentGroup } from '../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../host/db/messaging-groups.js';
import { recordModelUsage } from '../host/db/model-usage.js';
import { adminDataDir, type AdminDataDir } from '../test/support/admin-data-dir.js';
import { runVerb } from '../test/support/cli-run.js';
import { statusCommand } from './status.js';

let fixture: AdminDataDir;
let dataDir: string;
let db: CentralDb;
beforeEach(() => {
  fixture = adminDataDir();
  ({ dataDir, db } = fixture);
});
afterEach(() => fixture.remove());
const run: AdminDataDir['run'] = (verb, ...argv) => fixture.run(verb, ...argv);
const json = <T>(verb: (argv: string[]) => Promise<number>, ...argv: string[]) =>
  fixture.json<T>(verb, ...argv);

describe('nanoclaw status', () => {
  it('shows every section as tables, and the same facts as JSON and YAML', async () => {
    const table = await run(statusCommand);
    expect(table.code, table.stderr).toBe(0);
    for (const title of [
      'AGENT GROUPS',
      'CHATS',
      'WIRINGS',
      'ROLES',
      'SESSIONS AND RUNNERS',
      'PENDING APPROVALS',
      'MODEL TOKENS THIS MONTH (UTC)',
      'SESSION DISK USE (LARGEST FIRST)',
      'NEW CHATS WAITING FOR REGISTRATION',
      'DROPPED MESSAGES BY REASON',
      'CHANNELS',
      'FAILURE NOTICES SENT',
      'LAST ERRORS',
    ])
      expect(table.stdout).toContain(`${title}\n`);

    const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
    expect(s.agents!.map((a) => [a.id, a.chats, a.activeSessions])).toEqual([
      ['alpha', 1, 1],
      ['beta', 0, 0],
    ]);
    expect(s.sessions).toEqual([expect.objectContaining({ agentGroup: 'alpha', runner: 'stopped' })]);
    expect(s.approvals).toEqual([expect.objectContaining({ sender: 'telegram:7', status: 'pending' })]);
    expect(s.dropped).toEqual([
      expect.objectContaining({ reason: 'no_agent_wired', messages: 1, senders: 1 }),
      expect.objectContaining({ reason: 'sender_scope', messages: 2, senders: 1 }),
    ]);
    expect(s.channels).toEqual([{ channel: 'web', platform: 'web', lastError: null, lastErrorAt: null }]);
    const yaml = await run(statusCommand, '-o', 'yaml');
    expect(parseYaml(yaml.stdout)).toEqual(s);
  });

  it("shows this month's tokens per agent group against its budget, paused once reached", async () => {
    const period = periodOf(new Date());
    upsertAgentGroup(db, { id: 'alpha', name: 'Alpha', folder: 'alpha', budgetMonthlyTokens: 50 });
    expect((await json<Record<string, unknown[]>>(statusCommand)).usage).toEqual([
      expect.objectContaining({ agentGroup: 'alpha', period, tokens: 0, budget: 50, state: 'ok', calls: 0 }),
    ]);
    recordModelUsage(db, 'alpha', period, { input: 30, output: 15, cacheRead: 4, cacheWrite: 1 });
    recordModelUsage(db, 'beta', period, { input: 2, output: 1, cacheRead: 0, cacheWrite: 0 });
    recordModelUsage(db, 'beta', '2000-01', { input: 999, output: 0, cacheRead: 0, cacheWrite: 0 });
    const s = await json<Record<string, unknown[]>>(statusCommand);
    expect(s.usage).toEqual([
      {
        agentGroup: 'alpha',
        period,
        tokens: 50,
        budget: 50,
        state: 'paused',
        input: 30,
        output: 15,
        cacheRead: 4,
        cacheWrite: 1,
        calls: 1,
      },
      {
        agentGroup: 'beta',
        period,
        tokens: 3,
        budget: null,
        state: 'ok',
        input: 2,
        output: 1,
        cacheRead: 0,
        cacheWrite: 0,
        calls: 1,
      },
    ]);
    expect((await run(statusCommand)).stdout).toMatch(/alpha\s+\S+\s+50\s+50\s+paused/);
  });

  it('shows the largest session directories with their status, and the total', async () => {
    const before = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
    expect(before.disk).toEqual([]);
    const active = before.sessions![0]!.id as string;
    const write = (session: string, bytes: number) => {
      const dir = path.join(dataDir, 'sessions', 'alpha', session, 'outbox');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'report.pdf'), Buffer.alloc(bytes));
    };
    write(active, 1000);
    write('gone-session', 50 * 2 ** 20);
    const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
    expect(s.disk).toEqual([
      { session: 'gone-session', folder: 'alpha', status: 'unknown', bytes: 50 * 2 ** 20 },
      { session: active, folder: 'alpha', status: 'active', bytes: 1000 },
    ]);
    expect((await run(statusCommand)).stdout).toMatch(/2 session directories, 50\.0 MiB in all/);
  });

  it('shows new chats still waiting for registration, not the decided ones', async () => {
    const mg = (id: string) => upsertMessagingGroup(db, { channelType: 'telegram', platformId: id }).id;
    const registration = (id: string, chat: string, status: string) => ({
      id,
      messaging_group_id: mg(chat),
      sender_id: 'telegram:8',
      sender_name: null,
      original_message: '{}',
      status: status as 'pending',
      options: '[]',
      approver_user_id: 'telegram:1',
      card_messaging_group_id: null,
      agent_group_id: null,
      decided_by: null,
      decided_at: null,
      error: null,
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-02T00:00:00.000Z',
      replayed_at: null,
    });
    db.run(
      db.q
        .insertInto('pending_channel_registrations')
        .values([registration('reg-1', '-301', 'pending'), registration('reg-2', '-302', 'rejected')]),
    );
    const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
    expect(s.registrations).toEqual([
      expect.objectContaining({
        id: 'reg-1',
        status: 'pending',
        sender: 'telegram:8',
        approver: 'telegram:1',
      }),
    ]);
  });

  it('lists a configured bot with the last send error recorded for its channel', async () => {
    db.run(
      db.q.insertInto('host_messages').values({
        id: 'hm-1',
        kind: 'notice',
        channel_type: 'telegram',
        platform_id: '-100',
        thread_id: null,
        text: 'hi',
        in_reply_to: null,
        status: 'failed',
        attempts: 3,
        platform_message_id: null,
        error: 'Forbidden: bot was blocked by the user',
        created_at: '2026-01-01T00:00:00.000Z',
        finished_at: '2026-01-01T00:00:05.000Z',
        card: null,
      }),
    );
    process.env.TELEGRAM_BOT_TOKEN = '1:test';
    try {
      const s = await json<Record<string, Record<string, unknown>[]>>(statusCommand);
      expect(s.channels).toContainEqual({
        channel: 'telegram',
        platform: 'telegram',
        lastError: 'Forbidden: bot was blocked by the user',
        lastErrorAt: '2026-01-01T00:00:05.000Z',
      });
      expect(s.errors).toEqual([
        expect.objectContaining({ id: 'hm-1', what: 'host notice to telegram/-100' }),
      ]);
      expect(s.notices).toEqual([{ at: '2026-01-01T00:00:00.000Z', to: 'telegram/-100', text: 'hi' }]);
    } finally {
      delete process.env.TELEGRAM_BOT_TOKEN;
    }
  });

  it('refuses a data dir without a central DB, and stray arguments, as usage errors', async () => {
    const missing = await runVerb(statusCommand, ['--data-dir', path.join(dataDir, 'nope')]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('--data-dir: no central DB at');
    expect(fs.existsSync(path.join(dataDir, 'nope'))).toBe(false);
    expect((await run(statusCommand, 'extra')).stderr).toContain('status: unexpected argument "extra"');
    expect((await run(statusCommand, '-o', 'xml')).code).toBe(2);
  });
});
