import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../host/access/members.js';
import { grantRole, revokeRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import type { UnknownSenderPolicy } from '../../protocol/vocabulary.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { ChatStreams, send, sleep } from '../support/web-client.js';

let host: HostProcess;
const streams = new ChatStreams(() => host.url);
const watch = (chat: string) => streams.watch(chat);

beforeAll(async () => {
  const dataDir = tempDir();
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, { id: 'helper', name: 'Helper', folder: 'helper', provider: 'mock' });
    upsertAgentGroup(db, { id: 'other', name: 'Other', folder: 'other', provider: 'mock' });
    for (const policy of ['strict', 'request_approval', 'public'] as UnknownSenderPolicy[]) {
      const mg = upsertMessagingGroup(db, {
        channelType: 'web',
        platformId: policy,
        unknownSenderPolicy: policy,
      });
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: 'helper',
        engageMode: 'pattern',
        engagePattern: '.',
      });
    }
    grantRole(db, { userId: 'web:local', role: 'owner' });
    grantRole(db, { userId: 'web:boss', role: 'admin', agentGroupId: 'helper' });
    grantRole(db, { userId: 'web:elsewhere', role: 'admin', agentGroupId: 'other' });
    addMember(db, { userId: 'web:bob', agentGroupId: 'helper' });
    addMember(db, { userId: 'web:carol', agentGroupId: 'other' });
  });
  host = await startHostProcess({ dataDir });
});

afterAll(async () => {
  streams.closeAll();
  await host?.stop();
});

describe('unknown-sender policies on real processes', () => {
  it('strict: a stranger is dropped and gets no reply; a member gets one', async () => {
    const chat = await watch('strict');
    expect(await send(host.url, { chat: 'strict', sender: 'stranger', text: 'let me in' })).toMatchObject({
      delivered: 0,
      dropped: 'unknown_sender_strict',
    });
    await send(host.url, { chat: 'strict', sender: 'bob', text: 'hi from bob' });
    await chat.waitFor((r) => r.text === 'Mock response to: hi from bob');
    expect(chat.replies.some((r) => r.text.includes('let me in'))).toBe(false);
  });

  it('request_approval: a stranger is held and an approval is recorded', async () => {
    expect(await send(host.url, { chat: 'request_approval', sender: 'dave', text: 'hello?' })).toMatchObject({
      delivered: 0,
      dropped: 'unknown_sender_request_approval',
    });
    const pending = withDb(host.dataDir, (db) =>
      db.all(db.q.selectFrom('pending_sender_approvals').selectAll()),
    );
    expect(pending).toEqual([expect.objectContaining({ sender_id: 'web:dave', agent_group_id: 'helper' })]);
  });

  it('public: a stranger is answered', async () => {
    const chat = await watch('public');
    await send(host.url, { chat: 'public', sender: 'walk-in', text: 'anyone?' });
    await chat.waitFor((r) => r.text === 'Mock response to: anyone?');
  });

  it('a member of another agent group is treated as unknown', async () => {
    expect(await send(host.url, { chat: 'strict', sender: 'carol', text: 'hi' })).toMatchObject({
      delivered: 0,
    });
  });
});

describe('admin-only commands', () => {
  it('refuses /clear from a member with a direct host reply, without waking the agent', async () => {
    const chat = await watch('strict');
    const before = chat.replies.length;
    expect(await send(host.url, { chat: 'strict', sender: 'bob', text: '/clear' })).toMatchObject({
      delivered: 0,
    });
    await chat.waitFor((r) => r.text === 'Permission denied: /clear requires admin access.', 10_000, before);
  });

  it('refuses /compact from an admin of another group', async () => {
    const chat = await watch('public');
    const before = chat.replies.length;
    await send(host.url, { chat: 'public', sender: 'elsewhere', text: '/compact' });
    await chat.waitFor(
      (r) => r.text === 'Permission denied: /compact requires admin access.',
      10_000,
      before,
    );
  });

  it('lets the scoped admin and the owner clear the session; the runner confirms', async () => {
    const chat = await watch('strict');
    const before = chat.replies.length;
    await send(host.url, { chat: 'strict', sender: 'boss', text: '/clear' });
    await chat.waitFor((r) => r.text === 'Session cleared.', 10_000, before);
    const next = chat.replies.length;
    await send(host.url, { chat: 'strict', text: '/clear' });
    await chat.waitFor((r) => r.text === 'Session cleared.', 10_000, next);
  });

  it('lets a member promoted to admin while the runner runs clear the session with the next message', async () => {
    const chat = await watch('strict');
    const before = chat.replies.length;
    await send(host.url, { chat: 'strict', sender: 'bob', text: 'warm up the runner' });
    await chat.waitFor((r) => r.text === 'Mock response to: warm up the runner', 15_000, before);
    withDb(host.dataDir, (db) => grantRole(db, { userId: 'web:bob', role: 'admin', agentGroupId: 'helper' }));
    const next = chat.replies.length;
    await send(host.url, { chat: 'strict', sender: 'bob', text: '/clear' });
    await chat.waitFor((r) => r.text === 'Session cleared.', 10_000, next);
    expect(chat.replies.slice(next).some((r) => r.text.startsWith('Permission denied'))).toBe(false);
    withDb(host.dataDir, (db) => revokeRole(db, 'web:bob', 'admin', 'helper'));
  });

  it('drops filtered commands without any reply', async () => {
    const chat = await watch('strict');
    const before = chat.replies.length;
    expect(await send(host.url, { chat: 'strict', text: '/login' })).toMatchObject({
      delivered: 0,
      dropped: 'command',
    });
    await sleep(800);
    expect(chat.replies.length).toBe(before);
  });
});
