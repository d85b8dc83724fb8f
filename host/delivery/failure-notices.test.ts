import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { grantRole } from '../access/roles.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import { resolveSession } from '../session/session-store.js';
import { FailureNotices } from './failure-notices.js';
import type { HostMessageInput } from './host-outbox.js';

let db: CentralDb;
let session: Session;
let sent: HostMessageInput[];
let told: string[];
let counted: string[];
let notices: FailureNotices;

beforeEach(() => {
  db = dbWithGroups();
  const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '-100', isGroup: true });
  session = resolveSession(db, {
    agentGroupId: 'ag-1',
    messagingGroupId: mg.id,
    threadId: null,
    mode: 'shared',
  }).session;
  grantRole(db, { userId: 'telegram:1', role: 'owner' });
  sent = [];
  told = [];
  counted = [];
  notices = new FailureNotices({
    db,
    channels: new MapChannelRegistry([new RecordingAdapter('telegram')]),
    send: (m) => {
      sent.push(m);
      return Promise.resolve();
    },
    tellAgent: (_s, text) => {
      told.push(text);
      return Promise.resolve();
    },
    count: ({ kind }) => counted.push(kind),
    log: pino({ level: 'silent' }),
  });
});

describe('failure notices', () => {
  it('tells the session’s chat and the agent when a message to another chat failed', async () => {
    await notices.deliveryFailed(session, {
      messageOutId: 'out-1',
      target: { channelType: 'telegram', platformId: '-200', threadId: null },
      reason: 'Forbidden: bot was kicked',
    });
    expect(sent).toEqual([
      {
        kind: 'notice',
        to: { channelType: 'telegram', platformId: '-100', threadId: null },
        text: 'Agent One could not deliver a message to telegram -200 after several tries: Forbidden: bot was kicked.',
      },
    ]);
    expect(told).toEqual([
      '[NanoClaw] Your message out-1 could not be delivered to telegram -200: Forbidden: bot was kicked',
    ]);
    expect(counted).toEqual(['delivery']);
  });

  it('tells an admin in their DM when the session’s own chat is what failed', async () => {
    await notices.deliveryFailed(session, { messageOutId: 'out-2', target: null, reason: 'chat not found' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual({ channelType: 'telegram', platformId: '1', threadId: null });
    expect(sent[0]!.text).toMatch(/^Agent One could not deliver a message to this chat .*nanoclaw verify/);
  });

  it('tells the chat when its messages could not be processed', async () => {
    await notices.processingFailed(session, 2);
    expect(sent[0]).toMatchObject({ kind: 'notice', to: { platformId: '-100' } });
    expect(sent[0]!.text).toMatch(/could not answer 2 messages here/);
    expect(counted).toEqual(['processing']);
  });

  it('tells the chat once that its agent could not be started, why, and that the message is kept', async () => {
    await notices.runnerStartFailed(session, { reason: 'pods "runner-1" is forbidden', retryInMs: 2_000 });
    expect(sent).toEqual([
      {
        kind: 'notice',
        to: { channelType: 'telegram', platformId: '-100', threadId: null },
        text:
          'Agent One could not be started: pods "runner-1" is forbidden. Your message is kept and NanoClaw keeps ' +
          'trying (next in 2 s). An admin can look at `nanoclaw status` and the host log.',
      },
    ]);
    expect(counted).toEqual(['runner_start']);
  });
});
