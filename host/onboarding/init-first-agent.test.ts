import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAdminOf, isOwner, grantRole } from '../access/roles.js';
import { hasMemberRow } from '../access/members.js';
import type { ChannelAdapter } from '../channels/adapter.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../db/central-db.js';
import { totalChanges } from '../db/provenance.js';
import { listWiringsOf } from '../db/wirings.js';
import { dataLayout } from '../session/layout.js';
import { SessionDbs } from '../session/session-dbs.js';
import { listActiveSessions } from '../session/session-store.js';
import { takeWakeRequests } from '../sweep/wake-requests.js';
import { planFirstAgent } from './first-agent-plan.js';
import { initFirstAgent } from './init-first-agent.js';
import type { Step } from './steps.js';

const log = pino({ level: 'silent' });
let dataDir: string;
let db: CentralDb;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-onboard-'));
  db = openCentralDb(dataLayout(dataDir).centralDb);
});

afterEach(() => {
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const plan = (extra: Partial<Parameters<typeof planFirstAgent>[0]> = {}) =>
  planFirstAgent({ channel: 'telegram', user: '111', name: 'Alice', provider: 'mock', ...extra });

const actions = (steps: Step[]) => Object.fromEntries(steps.map((s) => [s.object, s.action]));

function welcomeRows(): { id: string; content: string; trigger: number }[] {
  const dbs = new SessionDbs(db, dataLayout(dataDir));
  try {
    return listActiveSessions(db).flatMap(
      (s) =>
        dbs.of(s).inbound().raw.prepare(`SELECT id, content, "trigger" FROM messages_in`).all() as {
          id: string;
          content: string;
          trigger: number;
        }[],
    );
  } finally {
    dbs.closeAll();
  }
}

describe('initFirstAgent (embedded)', () => {
  it('creates the user, owner grant, agent group, folder, DM, wiring, membership and a welcome', async () => {
    const steps = await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'once', log);
    expect(actions(steps)).toEqual({
      user: 'created',
      DM: 'created',
      'agent group': 'created',
      folder: 'created',
      role: 'granted',
      wiring: 'created',
      membership: 'created',
      session: 'created',
      welcome: 'written',
    });
    expect(isOwner(db, 'telegram:111')).toBe(true);
    expect(hasMemberRow(db, 'telegram:111', 'dm-with-alice')).toBe(true);
    expect(getAgentGroup(db, 'dm-with-alice')).toMatchObject({
      folder: 'dm-with-alice',
      agent_provider: 'mock',
      source: 'runtime',
      instructions: expect.stringContaining('personal assistant of Alice'),
    });
    expect(fs.statSync(path.join(dataDir, 'groups', 'dm-with-alice')).isDirectory()).toBe(true);
    const dmId = steps.find((s) => s.object === 'DM')!.id;
    expect(listWiringsOf(db, dmId)).toMatchObject([
      { agent_group_id: 'dm-with-alice', engage_mode: 'pattern', engage_pattern: '.', sender_scope: 'all' },
    ]);
    expect(db.all(db.q.selectFrom('user_dms').selectAll())).toMatchObject([
      { user_id: 'telegram:111', channel_type: 'telegram', messaging_group_id: dmId },
    ]);
    const [row] = welcomeRows();
    expect(JSON.parse(row!.content)).toMatchObject({
      text: expect.stringMatching(/^Say hello to Alice/),
      sender: null,
    });
    expect(row!.trigger).toBe(1);
    expect(takeWakeRequests(db)).toEqual([{ session_id: listActiveSessions(db)[0]!.id, reason: 'welcome' }]);
  });

  it('changes nothing when run again, and resends the welcome only when asked', async () => {
    await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'once', log);
    takeWakeRequests(db);
    const before = totalChanges(db);
    const again = await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'once', log);
    expect(totalChanges(db)).toBe(before);
    expect(new Set(again.map((s) => s.action))).toEqual(new Set(['reused', 'unchanged']));
    expect(welcomeRows()).toHaveLength(1);
    expect(takeWakeRequests(db)).toEqual([]);

    const resent = await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'resend', log);
    expect(actions(resent).welcome).toBe('written');
    expect(welcomeRows()).toHaveLength(2);
    expect(takeWakeRequests(db)).toHaveLength(1);
    const skipped = await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'skip', log);
    expect(actions(skipped).welcome).toBe('skipped');
  });

  it('grants no owner when the host has one, and only membership', async () => {
    grantRole(db, { userId: 'web:local', role: 'owner' });
    const steps = await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'skip', log);
    expect(steps.find((s) => s.object === 'role')).toMatchObject({
      action: 'unchanged',
      detail: expect.stringContaining('this host has one (web:local)'),
    });
    expect(isOwner(db, 'telegram:111')).toBe(false);
    expect(hasMemberRow(db, 'telegram:111', 'dm-with-alice')).toBe(true);
  });

  it('makes --role admin an admin of the new agent group', async () => {
    await initFirstAgent(db, dataDir, plan({ role: 'admin' }), { platformId: '111' }, 'skip', log);
    expect(isAdminOf(db, 'telegram:111', 'dm-with-alice')).toBe(true);
    expect(isOwner(db, 'telegram:111')).toBe(false);
  });

  it('opens the DM through the adapter and caches it for the user', async () => {
    const opened: string[] = [];
    const adapter = {
      channelType: 'discord',
      supportsThreads: true,
      openDM: (handle: string) => {
        opened.push(handle);
        return Promise.resolve('dm-chan-9');
      },
    } as unknown as ChannelAdapter;
    const p = plan({ channel: 'discord', user: '42' });
    const steps = await initFirstAgent(db, dataDir, p, { adapter }, 'skip', log);
    expect(steps.find((s) => s.object === 'DM')).toMatchObject({
      action: 'created',
      detail: 'discord chat dm-chan-9',
    });
    await initFirstAgent(db, dataDir, p, { adapter }, 'skip', log);
    expect(opened).toEqual(['42']);
  });

  it('refuses to take a DM cached through another bot of the platform for the requested channel', async () => {
    await initFirstAgent(db, dataDir, plan(), { platformId: '111' }, 'skip', log);
    const adapter = { channelType: 'telegram-support', userNamespace: 'telegram', supportsThreads: false };
    await expect(
      initFirstAgent(
        db,
        dataDir,
        plan({ channel: 'telegram-support' }),
        { adapter: adapter as unknown as ChannelAdapter },
        'skip',
        log,
      ),
    ).rejects.toThrow(/already has a DM through the telegram bot.*--platform-id/);
  });
});
