import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { addMember } from '../access/members.js';
import { grantRole } from '../access/roles.js';
import type { InboundMessage } from '../channels/adapter.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup, upsertMessagingGroup } from '../db/messaging-groups.js';
import type { UnknownSenderPolicy } from '../../protocol/vocabulary.js';
import { upsertWiring, type WiringInput } from '../db/wirings.js';
import { Delivery } from '../delivery/delivery.js';
import { dataLayout } from '../session/layout.js';
import { SessionDbs } from '../session/session-dbs.js';
import { routeInbound, type AgentDelivery, type SessionSink } from './route-inbound.js';

class RecordingSink implements SessionSink {
  deliveries: AgentDelivery[] = [];
  threadSessions = new Set<string>();
  deliver(d: AgentDelivery): Promise<{ sessionId: string }> {
    this.deliveries.push(d);
    if (d.threadId) this.threadSessions.add(`${d.agentGroupId}/${d.threadId}`);
    return Promise.resolve({ sessionId: `s-${d.agentGroupId}` });
  }
  hasActiveSession(agentGroupId: string, _mg: string, threadId: string): boolean {
    return this.threadSessions.has(`${agentGroupId}/${threadId}`);
  }
  runningTurnSenders(): string[] | null {
    return null;
  }
}

let db: CentralDb;
let sink: RecordingSink;
let telegram: RecordingAdapter;
const requested: string[] = [];
let n = 0;

function deps() {
  const channels = new MapChannelRegistry([telegram]);
  const log = pino({ level: 'silent' });
  // Host replies take the real outbound path; nothing here touches a session directory.
  const unused = path.join(os.tmpdir(), 'nc-route-unused');
  const dbs = new SessionDbs(db, dataLayout(unused));
  const replies = new Delivery({
    db,
    dbs,
    channels,
    log,
    dataDir: unused,
    maxFileBytes: 1024,
    agents: {
      inbox: { deliverFromAgent: () => Promise.reject(new Error('no agents in this test')) },
      maxHops: 8,
    },
  });
  const approvals = {
    request: (id: string) => {
      requested.push(id);
      return Promise.resolve();
    },
  };
  return { db, channels, sessions: sink, replies, approvals, log };
}

function chat(
  policy: UnknownSenderPolicy,
  wirings: Omit<WiringInput, 'messagingGroupId'>[],
  isGroup = true,
): string {
  const mg = upsertMessagingGroup(db, {
    channelType: 'telegram',
    platformId: '-100',
    name: 'Team',
    isGroup,
    unknownSenderPolicy: policy,
  });
  for (const w of wirings) upsertWiring(db, { ...w, messagingGroupId: mg.id });
  return mg.id;
}

function msg(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channelType: 'telegram',
    platformId: '-100',
    threadId: null,
    messageId: `m${++n}`,
    senderHandle: '42',
    senderName: 'Ann',
    text: 'hello',
    isMention: true,
    isGroup: true,
    timestamp: new Date().toISOString(),
    ...over,
  };
}

function dropped(): { reason: string; user_id: string; message_count: number }[] {
  return db.all(db.q.selectFrom('dropped_messages').select(['reason', 'user_id', 'message_count']));
}

beforeEach(() => {
  db = dbWithGroups();
  sink = new RecordingSink();
  telegram = new RecordingAdapter('telegram', false);
});

describe('unknown-sender policy', () => {
  it('strict drops an unknown sender and records why, without creating a user row for them', async () => {
    chat('strict', [{ agentGroupId: 'ag-1', engageMode: 'mention' }]);
    const r = await routeInbound(deps(), msg());
    expect(r.dropped).toBe('unknown_sender_strict');
    expect(sink.deliveries).toEqual([]);
    expect(dropped()).toEqual([
      { reason: 'unknown_sender_strict', user_id: 'telegram:42', message_count: 1 },
    ]);
    await routeInbound(deps(), msg());
    expect(dropped()[0]!.message_count).toBe(2);
    expect(db.first(db.q.selectFrom('users').selectAll().where('id', '=', 'telegram:42'))).toBeUndefined();
  });

  it('request_approval drops the message and records one pending approval per sender', async () => {
    grantRole(db, { userId: 'telegram:owner', role: 'owner' });
    chat('request_approval', [{ agentGroupId: 'ag-1' }]);
    expect((await routeInbound(deps(), msg())).dropped).toBe('unknown_sender_request_approval');
    await routeInbound(deps(), msg({ text: 'again' }));
    const pending = db.all(db.q.selectFrom('pending_sender_approvals').selectAll());
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ sender_id: 'telegram:42', agent_group_id: 'ag-1', status: 'pending' });
    expect(JSON.parse(pending[0]!.original_message)).toMatchObject({ text: 'hello' });
    expect(requested.slice(-1)).toEqual([pending[0]!.id]);
    expect(sink.deliveries).toEqual([]);
  });

  it('public lets an unknown sender through', async () => {
    chat('public', [{ agentGroupId: 'ag-1' }]);
    const r = await routeInbound(deps(), msg());
    expect(r.delivered).toEqual([{ agentGroupId: 'ag-1', sessionId: 's-ag-1', wake: true }]);
    expect(sink.deliveries[0]!.userId).toBe('telegram:42');
  });

  it('lets members of the group in and keeps members of another group out', async () => {
    chat('strict', [{ agentGroupId: 'ag-1' }]);
    addMember(db, { userId: 'telegram:42', agentGroupId: 'ag-1' });
    addMember(db, { userId: 'telegram:7', agentGroupId: 'ag-2' });
    expect((await routeInbound(deps(), msg())).delivered).toHaveLength(1);
    expect((await routeInbound(deps(), msg({ senderHandle: '7' }))).dropped).toBe('unknown_sender_strict');
  });

  it('drops a message without a sender handle, audited apart from a known non-member', async () => {
    chat('strict', [{ agentGroupId: 'ag-1' }]);
    expect((await routeInbound(deps(), msg({ senderHandle: null }))).dropped).toBe('no_sender_identity');
    expect((await routeInbound(deps(), msg({ messageId: 'm-2' }))).dropped).toBe('unknown_sender_strict');
    const reasons = db.all(
      db.q.selectFrom('dropped_messages').select(['reason', 'user_id']).orderBy('reason'),
    );
    expect(reasons).toEqual([
      { reason: 'no_sender_identity', user_id: '' },
      { reason: 'unknown_sender_strict', user_id: 'telegram:42' },
    ]);
  });

  it('namespaces a handle that looks like another channel id', async () => {
    chat('strict', [{ agentGroupId: 'ag-1' }]);
    grantRole(db, { userId: 'discord:1', role: 'owner' });
    const r = await routeInbound(deps(), msg({ senderHandle: 'discord:1' }));
    expect(r.dropped).toBe('unknown_sender_strict');
    expect(dropped()[0]!.user_id).toBe('telegram:discord:1');
  });
});

describe('chats without agents', () => {
  it('ignores a non-mention in an unknown chat without creating anything', async () => {
    expect((await routeInbound(deps(), msg({ platformId: 'new', isMention: false }))).dropped).toBe(
      'ignored',
    );
    expect(findMessagingGroup(db, 'telegram', 'new')).toBeUndefined();
  });

  it('creates an unknown chat on a mention with request_approval and records no_agent_wired', async () => {
    expect((await routeInbound(deps(), msg({ platformId: 'new' }))).dropped).toBe('no_agent_wired');
    expect(findMessagingGroup(db, 'telegram', 'new')?.unknown_sender_policy).toBe('request_approval');
    expect(dropped()[0]!.reason).toBe('no_agent_wired');
  });
});

describe('engage modes', () => {
  beforeEach(() => grantRole(db, { userId: 'telegram:42', role: 'owner' }));

  it('pattern engages on a regex match only', async () => {
    chat('strict', [{ agentGroupId: 'ag-1', engageMode: 'pattern', engagePattern: '^!ask\\b' }]);
    expect((await routeInbound(deps(), msg({ text: '!ask why', isMention: false }))).delivered).toHaveLength(
      1,
    );
    expect((await routeInbound(deps(), msg({ text: 'why', isMention: true }))).dropped).toBe(
      'no_agent_engaged',
    );
  });

  it('mention engages on a mention only', async () => {
    chat('strict', [{ agentGroupId: 'ag-1', engageMode: 'mention' }]);
    expect((await routeInbound(deps(), msg({ isMention: false }))).dropped).toBe('no_agent_engaged');
    expect((await routeInbound(deps(), msg({ isMention: true }))).delivered).toHaveLength(1);
  });

  it('mention-sticky keeps following a thread after a mention', async () => {
    telegram = new RecordingAdapter('telegram', true);
    chat('strict', [{ agentGroupId: 'ag-1', engageMode: 'mention-sticky' }]);
    expect((await routeInbound(deps(), msg({ threadId: 't1', isMention: false }))).dropped).toBe(
      'no_agent_engaged',
    );
    expect((await routeInbound(deps(), msg({ threadId: 't1', isMention: true }))).delivered).toHaveLength(1);
    expect((await routeInbound(deps(), msg({ threadId: 't1', isMention: false }))).delivered).toHaveLength(1);
    expect((await routeInbound(deps(), msg({ threadId: 't2', isMention: false }))).dropped).toBe(
      'no_agent_engaged',
    );
  });

  it('accumulates unengaged messages as context without waking the agent', async () => {
    chat('strict', [{ agentGroupId: 'ag-1', engageMode: 'mention', ignoredMessages: 'accumulate' }]);
    const r = await routeInbound(deps(), msg({ isMention: false }));
    expect(r.delivered).toEqual([{ agentGroupId: 'ag-1', sessionId: 's-ag-1', wake: false }]);
  });

  it('never accumulates a stranger, even as context', async () => {
    chat('strict', [{ agentGroupId: 'ag-1', engageMode: 'mention', ignoredMessages: 'accumulate' }]);
    const r = await routeInbound(deps(), msg({ isMention: false, senderHandle: 'stranger' }));
    expect(r.delivered).toEqual([]);
  });
});

describe('sender scope', () => {
  it('known lets only members through even in a public chat', async () => {
    chat('public', [{ agentGroupId: 'ag-1', senderScope: 'known' }]);
    expect((await routeInbound(deps(), msg())).dropped).toBe('sender_scope');
    addMember(db, { userId: 'telegram:42', agentGroupId: 'ag-1' });
    expect((await routeInbound(deps(), msg())).delivered).toHaveLength(1);
  });
});

describe('fan-out', () => {
  it('delivers to every engaging wiring in priority order', async () => {
    grantRole(db, { userId: 'telegram:42', role: 'owner' });
    chat('strict', [
      { agentGroupId: 'ag-1', priority: 1 },
      { agentGroupId: 'ag-2', priority: 10 },
    ]);
    const r = await routeInbound(deps(), msg());
    expect(r.delivered.map((d) => d.agentGroupId)).toEqual(['ag-2', 'ag-1']);
  });

  it('gates each agent separately', async () => {
    chat('strict', [{ agentGroupId: 'ag-1' }, { agentGroupId: 'ag-2' }]);
    addMember(db, { userId: 'telegram:42', agentGroupId: 'ag-2' });
    const r = await routeInbound(deps(), msg());
    expect(r.delivered.map((d) => d.agentGroupId)).toEqual(['ag-2']);
  });
});

describe('session mode', () => {
  it('forces per-thread in a threaded group chat unless agent-shared', async () => {
    telegram = new RecordingAdapter('telegram', true);
    grantRole(db, { userId: 'telegram:42', role: 'owner' });
    chat('strict', [
      { agentGroupId: 'ag-1', sessionMode: 'shared' },
      { agentGroupId: 'ag-2', sessionMode: 'agent-shared' },
    ]);
    await routeInbound(deps(), msg({ threadId: 't1' }));
    expect(sink.deliveries.map((d) => [d.agentGroupId, d.mode])).toEqual([
      ['ag-1', 'per-thread'],
      ['ag-2', 'agent-shared'],
    ]);
  });

  it('drops thread ids on platforms without threads', async () => {
    grantRole(db, { userId: 'telegram:42', role: 'owner' });
    chat('strict', [{ agentGroupId: 'ag-1' }]);
    await routeInbound(deps(), msg({ threadId: 't1' }));
    expect(sink.deliveries[0]!.threadId).toBeNull();
  });
});

describe('command gate', () => {
  beforeEach(() => {
    chat('strict', [{ agentGroupId: 'ag-1' }]);
    addMember(db, { userId: 'telegram:42', agentGroupId: 'ag-1' });
  });

  it('refuses an admin command from a member with a direct reply and no delivery', async () => {
    const r = await routeInbound(deps(), msg({ text: '/clear' }));
    expect(r.delivered).toEqual([]);
    expect(r.reply).toBe('Permission denied: /clear requires admin access.');
    expect(telegram.sent).toHaveLength(1);
    expect(telegram.sent[0]!.to).toEqual({ channelType: 'telegram', platformId: '-100', threadId: null });
  });

  it('passes an admin command from a scoped admin of the group', async () => {
    grantRole(db, { userId: 'telegram:9', role: 'admin', agentGroupId: 'ag-1' });
    const r = await routeInbound(deps(), msg({ text: '/compact', senderHandle: '9' }));
    expect(r.delivered).toHaveLength(1);
    expect(telegram.sent).toEqual([]);
  });

  it('refuses an admin command from an admin of another group', async () => {
    grantRole(db, { userId: 'telegram:9', role: 'admin', agentGroupId: 'ag-2' });
    addMember(db, { userId: 'telegram:9', agentGroupId: 'ag-1' });
    expect((await routeInbound(deps(), msg({ text: '/cost', senderHandle: '9' }))).reply).toMatch(
      /Permission denied/,
    );
  });

  it('drops filtered commands silently', async () => {
    const r = await routeInbound(deps(), msg({ text: '/login' }));
    expect(r).toMatchObject({ delivered: [], dropped: 'command', reply: null });
    expect(telegram.sent).toEqual([]);
  });

  it('answers /help itself', async () => {
    const r = await routeInbound(deps(), msg({ text: '/help' }));
    expect(r.delivered).toEqual([]);
    expect(telegram.sent[0]!.payload.text).toMatch(/NanoClaw agent/);
  });

  it('passes other slash commands through', async () => {
    expect((await routeInbound(deps(), msg({ text: '/weather Oslo' }))).delivered).toHaveLength(1);
  });
});
