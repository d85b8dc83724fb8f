import { describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { addMember } from '../access/members.js';
import { grantRole } from '../access/roles.js';
import type { CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup, type MessagingGroupInput } from '../db/messaging-groups.js';
import { upsertWiring } from '../db/wirings.js';
import { resolvePeerSession, resolveSession } from '../session/session-store.js';
import { sharedChatReason } from './shared-chat.js';

/** ag-1 wired to one chat, with web:local as owner; returns the chat's session id. */
function sessionIn(chat: Partial<MessagingGroupInput>, mode: 'shared' | 'agent-shared' = 'shared') {
  const db = dbWithGroups();
  grantRole(db, { userId: 'web:local', role: 'owner' });
  const mg = upsertMessagingGroup(db, { channelType: 'web', platformId: 'main', ...chat });
  upsertWiring(db, {
    messagingGroupId: mg.id,
    agentGroupId: 'ag-1',
    engageMode: 'pattern',
    engagePattern: '.',
  });
  const { session } = resolveSession(db, {
    agentGroupId: 'ag-1',
    messagingGroupId: mode === 'agent-shared' ? null : mg.id,
    threadId: null,
    mode,
  });
  return { db, id: session.id };
}

const reason = ({ db, id }: { db: CentralDb; id: string }) => sharedChatReason(db, id);

describe('the shared-chat rule for unsandboxed runners', () => {
  it("lets the owner's own strict web chat through", () => {
    expect(reason(sessionIn({}))).toBeNull();
  });

  it('names a chat on another channel, a group chat, and a chat that lets strangers in', () => {
    expect(reason(sessionIn({ channelType: 'telegram', platformId: '42' }))).toBe(
      'chat telegram:42 is on telegram, where other people can write',
    );
    expect(reason(sessionIn({ isGroup: true }))).toBe('chat web:main is a group chat');
    expect(reason(sessionIn({ unknownSenderPolicy: 'public' }))).toBe(
      'chat web:main lets unknown senders in (unknown-sender policy public)',
    );
    expect(reason(sessionIn({ unknownSenderPolicy: 'request_approval' }))).toContain(
      'unknown-sender policy request_approval',
    );
  });

  it('names members, admins of the group and global admins', () => {
    const members = sessionIn({});
    addMember(members.db, { userId: 'web:bob', agentGroupId: 'ag-1' });
    expect(reason(members)).toBe('agent group ag-1 has members');
    const admins = sessionIn({});
    grantRole(admins.db, { userId: 'web:carol', role: 'admin', agentGroupId: 'ag-1' });
    expect(reason(admins)).toBe('agent group ag-1 has admins');
    const global = sessionIn({});
    grantRole(global.db, { userId: 'web:dave', role: 'admin' });
    expect(reason(global)).toBe('the install has global admins');
  });

  it('looks at every chat wired to the group for an agent-shared session', () => {
    const s = sessionIn({}, 'agent-shared');
    expect(reason(s)).toBeNull();
    const tg = upsertMessagingGroup(s.db, { channelType: 'telegram', platformId: '7' });
    upsertWiring(s.db, {
      messagingGroupId: tg.id,
      agentGroupId: 'ag-1',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    expect(reason(s)).toBe('chat telegram:7 is on telegram, where other people can write');
  });

  it('judges an agent-to-agent session by the session that asks, not by the chats of its own agent group', () => {
    const asking = sessionIn({});
    // ag-2 also serves a Telegram chat; its session for ag-1's owner-only web chat reads only what ag-1 writes.
    const tg = upsertMessagingGroup(asking.db, { channelType: 'telegram', platformId: '9' });
    upsertWiring(asking.db, {
      messagingGroupId: tg.id,
      agentGroupId: 'ag-2',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    const peer = resolvePeerSession(asking.db, 'ag-2', asking.id).session;
    expect(reason({ db: asking.db, id: peer.id })).toBeNull();

    const open = sessionIn({ unknownSenderPolicy: 'public' });
    const openPeer = resolvePeerSession(open.db, 'ag-2', open.id).session;
    expect(reason({ db: open.db, id: openPeer.id })).toBe(
      "it answers another agent's session, where chat web:main lets unknown senders in (unknown-sender policy public)",
    );
  });
});
