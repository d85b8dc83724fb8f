/**
 * GET /api/chats: the web chats a signed-in user may open — exactly what the events route lets them watch — and
 * their own web DM, where approval cards for them land.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../host/access/members.js';
import { recordUserDm } from '../../host/access/user-dm.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertUser } from '../../host/db/users.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { WEB_ROUTES, type ChatList } from '../../host/channels/web/web-api.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb, withDb } from '../support/seed.js';
import { authFor } from '../support/web-client.js';

let host: HostProcess;

async function chatsOf(sender?: string): Promise<ChatList> {
  const res = await fetch(new URL(WEB_ROUTES.chats, host.url), { headers: authFor(host.url, sender) });
  expect(res.status).toBe(200);
  return (await res.json()) as ChatList;
}

async function mayWatch(chat: string, sender: string): Promise<number> {
  const url = new URL(WEB_ROUTES.events, host.url);
  url.searchParams.set('chat', chat);
  const abort = new AbortController();
  const res = await fetch(url, { headers: authFor(host.url, sender), signal: abort.signal });
  abort.abort();
  return res.status;
}

beforeAll(async () => {
  const dataDir = tempDir();
  seedWeb(dataDir);
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, { id: 'helper', name: 'Helper', folder: 'helper', provider: 'mock' });
    const team = upsertMessagingGroup(db, {
      channelType: 'web',
      platformId: 'team',
      name: 'Team',
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, {
      messagingGroupId: team.id,
      agentGroupId: 'helper',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    upsertUser(db, 'web:ann', 'Ann');
    addMember(db, { userId: 'web:ann', agentGroupId: 'helper' });
    recordUserDm(db, { userId: 'web:ann', channelType: 'web', platformId: 'dm-ann', name: 'Ann' });
  });
  host = await startHostProcess({ dataDir });
});

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

describe('GET /api/chats', () => {
  it('lists a member their DM first, then the chats whose agents they may use, and lets them watch exactly those', async () => {
    const list = await chatsOf('ann');
    expect(list.me).toEqual({ id: 'web:ann', name: 'Ann' });
    expect(list.defaultChat).toBe('main');
    expect(list.chats).toEqual([
      { id: 'dm-ann', name: 'Ann', kind: 'dm' },
      { id: 'team', name: 'Team', kind: 'chat' },
    ]);
    expect(await mayWatch('dm-ann', 'ann')).toBe(200);
    expect(await mayWatch('team', 'ann')).toBe(200);
    expect(await mayWatch('main', 'ann')).toBe(403);
  });

  it('lists every web chat to an owner', async () => {
    const list = await chatsOf();
    expect(list.me.id).toBe('web:local');
    expect(list.chats.map((c) => c.id).sort()).toEqual(['dm-ann', 'main', 'team']);
  });

  it('lists nothing to a stranger, who may watch nothing', async () => {
    expect((await chatsOf('stranger')).chats).toEqual([]);
    expect(await mayWatch('team', 'stranger')).toBe(403);
    expect(await mayWatch('dm-ann', 'stranger')).toBe(403);
  });
});
