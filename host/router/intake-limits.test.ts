import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { MapChannelRegistry, type InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup, upsertMessagingGroup } from '../db/messaging-groups.js';
import { upsertWiring } from '../db/wirings.js';
import { recordDrop } from './dropped.js';
import { routeInbound, type SessionSink } from './route-inbound.js';

let db: CentralDb;
let n = 0;
const sessions: SessionSink = {
  deliver: () => Promise.resolve({ sessionId: 's' }),
  hasActiveSession: () => false,
  runningTurnSenders: () => null,
};
const replies = { sendFromHost: () => Promise.resolve() };

function deps(limits = { maxUnwiredChats: 2, maxPendingRequests: 2 }) {
  return {
    db,
    channels: new MapChannelRegistry([new RecordingAdapter('telegram', false)]),
    sessions,
    replies: replies as never,
    approvals: { request: () => Promise.resolve() },
    limits,
    log: pino({ level: 'silent' }),
  };
}

const msg = (over: Partial<InboundMessage>): InboundMessage => ({
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
});

const count = (table: 'messaging_groups' | 'pending_sender_approvals' | 'dropped_messages') =>
  db.all(db.q.selectFrom(table).selectAll()).length;

beforeEach(() => {
  db = dbWithGroups();
});

describe('intake limits', () => {
  it('stops creating chats for mentions in unknown chats once the cap of unwired ones is reached', async () => {
    for (const id of ['-1', '-2'])
      expect((await routeInbound(deps(), msg({ platformId: id }))).dropped).toBe('no_agent_wired');
    expect((await routeInbound(deps(), msg({ platformId: '-3' }))).dropped).toBe('chat_limit');
    expect(count('messaging_groups')).toBe(2);
    // A wired chat does not count: a new one fits again.
    const wired = findMessagingGroup(db, 'telegram', '-1')!;
    upsertWiring(db, { messagingGroupId: wired.id, agentGroupId: 'ag-1' });
    expect((await routeInbound(deps(), msg({ platformId: '-3' }))).dropped).toBe('no_agent_wired');
  });

  it('holds at most the cap of pending approvals per agent group; further strangers are only dropped', async () => {
    const mg = upsertMessagingGroup(db, {
      channelType: 'telegram',
      platformId: '-100',
      isGroup: true,
      unknownSenderPolicy: 'request_approval',
    });
    upsertWiring(db, {
      messagingGroupId: mg.id,
      agentGroupId: 'ag-1',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    for (const sender of ['1', '2', '3', '4'])
      expect((await routeInbound(deps(), msg({ senderHandle: sender }))).dropped).toBe(
        'unknown_sender_request_approval',
      );
    expect(count('pending_sender_approvals')).toBe(2);
    expect(db.all(db.q.selectFrom('users').selectAll()).map((u) => u.id)).toHaveLength(4);
  });

  it('keeps the drop audit bounded, pushing out the least recently seen record', () => {
    for (let i = 0; i < 5; i++)
      recordDrop(
        db,
        { channelType: 'telegram', platformId: `-${i}`, userId: 'telegram:1', reason: 'denied_chat' },
        3,
      );
    const kept = db.all(db.q.selectFrom('dropped_messages').select('platform_id').orderBy('platform_id'));
    expect(kept.map((r) => r.platform_id)).toEqual(['-2', '-3', '-4']);
  });

  it('prunes the drop audit only when a new record is added, not on every repeat', () => {
    const drop = (i: number, max: number) =>
      recordDrop(
        db,
        { channelType: 'telegram', platformId: `-${i}`, userId: 'telegram:1', reason: 'denied_chat' },
        max,
      );
    for (let i = 0; i < 5; i++) drop(i, 10);
    drop(4, 3);
    expect(db.all(db.q.selectFrom('dropped_messages').select('platform_id'))).toHaveLength(5);
    drop(5, 3);
    const kept = db.all(db.q.selectFrom('dropped_messages').select('platform_id').orderBy('platform_id'));
    expect(kept.map((r) => r.platform_id)).toEqual(['-3', '-4', '-5']);
  });
});
