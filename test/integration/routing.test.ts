import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { findMessagingGroup, upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring, type WiringInput } from '../../host/db/wirings.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { ChatStreams, send, sleep } from '../support/web-client.js';

let host: HostProcess;
const streams = new ChatStreams(() => host.url);
const watch = (chat: string) => streams.watch(chat);

type Wire = Omit<WiringInput, 'messagingGroupId'>;
const chats: Record<string, Wire[]> = {
  pattern: [{ agentGroupId: 'alpha', engageMode: 'pattern', engagePattern: '^!ask\\b' }],
  mention: [{ agentGroupId: 'alpha', engageMode: 'mention' }],
  sticky: [{ agentGroupId: 'alpha', engageMode: 'mention-sticky' }],
  context: [{ agentGroupId: 'alpha', engageMode: 'mention', ignoredMessages: 'accumulate' }],
  fanout: [
    { agentGroupId: 'alpha', engageMode: 'pattern', engagePattern: '.', priority: 1 },
    { agentGroupId: 'beta', engageMode: 'pattern', engagePattern: '.', priority: 5 },
  ],
  threads: [{ agentGroupId: 'alpha', engageMode: 'pattern', engagePattern: '.', sessionMode: 'per-thread' }],
  shared: [{ agentGroupId: 'beta', engageMode: 'pattern', engagePattern: '.', sessionMode: 'shared' }],
  'agent-a': [
    { agentGroupId: 'gamma', engageMode: 'pattern', engagePattern: '.', sessionMode: 'agent-shared' },
  ],
  'agent-b': [
    { agentGroupId: 'gamma', engageMode: 'pattern', engagePattern: '.', sessionMode: 'agent-shared' },
  ],
  ops: [{ agentGroupId: 'alpha', engageMode: 'mention' }],
  secret: [],
};

function sessionsOf(agentGroupId: string) {
  return withDb(host.dataDir, (db) =>
    db.all(db.q.selectFrom('sessions').selectAll().where('agent_group_id', '=', agentGroupId)),
  );
}

beforeAll(async () => {
  const dataDir = tempDir();
  withDb(dataDir, (db) => {
    for (const id of ['alpha', 'beta', 'gamma'])
      upsertAgentGroup(db, { id, name: id, folder: id, provider: 'mock' });
    for (const [platformId, wires] of Object.entries(chats)) {
      const mg = upsertMessagingGroup(db, {
        channelType: 'web',
        platformId,
        name: platformId,
        isGroup: platformId === 'sticky',
      });
      for (const w of wires) upsertWiring(db, { ...w, messagingGroupId: mg.id });
    }
    grantRole(db, { userId: 'web:local', role: 'owner' });
  });
  host = await startHostProcess({ dataDir });
});

afterAll(async () => {
  streams.closeAll();
  await host?.stop();
});

describe('engage modes', () => {
  it('pattern: only matching messages wake the agent', async () => {
    const chat = await watch('pattern');
    expect(await send(host.url, { chat: 'pattern', text: 'just talking' })).toMatchObject({
      dropped: 'no_agent_engaged',
    });
    await send(host.url, { chat: 'pattern', text: '!ask the time', mention: false });
    await chat.waitFor((r) => r.text === 'Mock response to: !ask the time');
  });

  it('mention: only mentions wake the agent', async () => {
    const chat = await watch('mention');
    expect(await send(host.url, { chat: 'mention', text: 'aside', mention: false })).toMatchObject({
      delivered: 0,
    });
    await send(host.url, { chat: 'mention', text: 'hey bot', mention: true });
    await chat.waitFor((r) => r.text === 'Mock response to: hey bot');
  });

  it('mention-sticky: a mention in a thread keeps the agent in that thread', async () => {
    const chat = await watch('sticky');
    expect(
      await send(host.url, { chat: 'sticky', thread: 't1', text: 'before', mention: false }),
    ).toMatchObject({
      delivered: 0,
    });
    await send(host.url, { chat: 'sticky', thread: 't1', text: 'join us', mention: true });
    await chat.waitFor((r) => r.text === 'Mock response to: join us' && r.thread === 't1');
    await send(host.url, { chat: 'sticky', thread: 't1', text: 'follow-up', mention: false });
    await chat.waitFor((r) => r.text === 'Mock response to: follow-up' && r.thread === 't1');
    expect(
      await send(host.url, { chat: 'sticky', thread: 't2', text: 'other', mention: false }),
    ).toMatchObject({
      delivered: 0,
    });
  });

  it('accumulate: unengaged messages ride along as context with the next prompt', async () => {
    const chat = await watch('context');
    expect(await send(host.url, { chat: 'context', text: 'the sky is green', mention: false })).toMatchObject(
      {
        delivered: 1,
      },
    );
    await sleep(600);
    expect(chat.replies).toEqual([]);
    await send(host.url, { chat: 'context', text: 'what colour? [[echo-context]]', mention: true });
    const reply = await chat.waitFor((r) => r.text.includes('what colour?'));
    expect(reply.text).toContain('the sky is green');
  });
});

describe('fan-out and sessions', () => {
  it('fans one message out to every wired agent', async () => {
    const chat = await watch('fanout');
    expect(await send(host.url, { chat: 'fanout', text: 'roll call' })).toMatchObject({ delivered: 2 });
    await chat.waitFor((r) => r.text === 'Mock response to: roll call');
    await sleep(300);
    await expect
      .poll(() => chat.replies.filter((r) => r.text === 'Mock response to: roll call').length, {
        timeout: 10_000,
      })
      .toBe(2);
  });

  it('per-thread: each thread gets its own session and reply thread', async () => {
    const chat = await watch('threads');
    await send(host.url, { chat: 'threads', thread: 'a', text: 'in a' });
    await send(host.url, { chat: 'threads', thread: 'b', text: 'in b' });
    await chat.waitFor((r) => r.text === 'Mock response to: in a' && r.thread === 'a');
    await chat.waitFor((r) => r.text === 'Mock response to: in b' && r.thread === 'b');
    const mg = withDb(host.dataDir, (db) => findMessagingGroup(db, 'web', 'threads'))!;
    const threads = sessionsOf('alpha')
      .filter((s) => s.messaging_group_id === mg.id)
      .map((s) => s.thread_id);
    expect(threads.sort()).toEqual(['a', 'b']);
  });

  it('shared: threads of a direct chat share one session', async () => {
    const chat = await watch('shared');
    await send(host.url, { chat: 'shared', thread: 'x', text: 'one' });
    await send(host.url, { chat: 'shared', thread: 'y', text: 'two' });
    await chat.waitFor((r) => r.text === 'Mock response to: two');
    const sharedMg = withDb(host.dataDir, (db) => findMessagingGroup(db, 'web', 'shared'))!;
    expect(sessionsOf('beta').filter((s) => s.messaging_group_id === sharedMg.id)).toHaveLength(1);
  });

  it('agent-shared: two chats share the agent session and each gets its own reply', async () => {
    const a = await watch('agent-a');
    const b = await watch('agent-b');
    await send(host.url, { chat: 'agent-a', text: 'from a' });
    await send(host.url, { chat: 'agent-b', text: 'from b' });
    await a.waitFor((r) => r.text === 'Mock response to: from a');
    await b.waitFor((r) => r.text === 'Mock response to: from b');
    expect(sessionsOf('gamma')).toHaveLength(1);
  });
});

describe('delivery to other chats', () => {
  it('lets an agent post to a chat that is one of its destinations', async () => {
    const ops = await watch('ops');
    await send(host.url, {
      chat: 'pattern',
      text: '!ask [[tool:send_message {"to":"ops","text":"heads up"}]]',
    });
    await ops.waitFor((r) => r.text === 'heads up');
  });

  it('never delivers to a chat that is not a destination, even when a runner writes it directly', async () => {
    const secret = await watch('secret');
    await send(host.url, { chat: 'mention', text: 'warm up', mention: true });
    const session = sessionsOf('alpha').find((s) => s.session_mode === 'shared' && s.status === 'active')!;
    const { openOutboundForRunner, nextOddSeq } = await import('../../protocol/session-db.js');
    const path = await import('node:path');
    const file = path.join(host.dataDir, 'sessions', 'alpha', session.id, 'outbound.db');
    const outbound = openOutboundForRunner(file);
    const max = (outbound.raw.prepare('SELECT max(seq) AS m FROM messages_out').get() as { m: number | null })
      .m;
    outbound.raw
      .prepare(
        `INSERT INTO messages_out (id, seq, timestamp, kind, channel_type, platform_id, content) VALUES ('rogue', ?, ?, 'chat', 'web', 'secret', ?)`,
      )
      .run(nextOddSeq((max ?? 0) + 1000), new Date().toISOString(), JSON.stringify({ text: 'exfiltrated' }));
    outbound.close();
    const inboundFile = path.join(host.dataDir, 'sessions', 'alpha', session.id, 'inbound.db');
    const Database = (await import('better-sqlite3')).default;
    await expect
      .poll(
        () => {
          const db = new Database(inboundFile, { readonly: true });
          try {
            return db.prepare(`SELECT status, error FROM delivered WHERE message_out_id = 'rogue'`).get();
          } finally {
            db.close();
          }
        },
        { timeout: 20_000, interval: 250 },
      )
      .toMatchObject({ status: 'failed', error: expect.stringMatching(/unauthorized channel destination/) });
    expect(secret.replies).toEqual([]);
  });
});
