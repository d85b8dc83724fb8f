import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups, user } from '../../test/support/central.js';
import type { ChannelAdapter } from '../channels/adapter.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import { InputError } from '../errors.js';
import { adminUserIdsFor, canAccessAgentGroup } from './access.js';
import { addMember, isMember } from './members.js';
import { pickApprovalDelivery } from './pick-approval-delivery.js';
import { pickApprover } from './pick-approver.js';
import { grantRole, hasAnyOwner, isOwner, revokeRole } from './roles.js';
import { ensureUserDm } from './user-dm.js';

function adapter(channelType: string, openDM?: (handle: string) => Promise<string>): ChannelAdapter {
  return {
    channelType,
    supportsThreads: false,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    send: () => Promise.resolve({ platformMessageId: null }),
    ...(openDM ? { openDM } : {}),
  };
}

function countingOpenDM(): { fn: (h: string) => Promise<string>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fn: (h) => {
      calls.push(h);
      return Promise.resolve(`dm-channel-${h}`);
    },
  };
}

let db: CentralDb;
beforeEach(() => {
  db = dbWithGroups();
});

describe('canAccessAgentGroup', () => {
  it('denies unknown users', () => {
    expect(canAccessAgentGroup(db, 'telegram:404', 'ag-1')).toEqual({
      allowed: false,
      reason: 'unknown_user',
    });
  });

  it('allows owners globally', () => {
    grantRole(db, { userId: 'telegram:1', role: 'owner' });
    expect(canAccessAgentGroup(db, 'telegram:1', 'ag-1')).toEqual({ allowed: true, reason: 'owner' });
    expect(canAccessAgentGroup(db, 'telegram:1', 'ag-2')).toEqual({ allowed: true, reason: 'owner' });
  });

  it('allows global admins', () => {
    grantRole(db, { userId: 'telegram:2', role: 'admin' });
    expect(canAccessAgentGroup(db, 'telegram:2', 'ag-1')).toEqual({ allowed: true, reason: 'global_admin' });
    expect(canAccessAgentGroup(db, 'telegram:2', 'ag-2')).toEqual({ allowed: true, reason: 'global_admin' });
  });

  it('scopes admins to their agent group', () => {
    grantRole(db, { userId: 'telegram:3', role: 'admin', agentGroupId: 'ag-1' });
    expect(canAccessAgentGroup(db, 'telegram:3', 'ag-1')).toEqual({
      allowed: true,
      reason: 'admin_of_group',
    });
    expect(canAccessAgentGroup(db, 'telegram:3', 'ag-2')).toEqual({ allowed: false, reason: 'not_member' });
  });

  it('treats an admin of a group as implicitly a member of it', () => {
    grantRole(db, { userId: 'telegram:3', role: 'admin', agentGroupId: 'ag-1' });
    expect(isMember(db, 'telegram:3', 'ag-1')).toBe(true);
    expect(isMember(db, 'telegram:3', 'ag-2')).toBe(false);
  });

  it('allows members only in their own group', () => {
    addMember(db, { userId: 'telegram:4', agentGroupId: 'ag-1' });
    expect(canAccessAgentGroup(db, 'telegram:4', 'ag-1')).toEqual({ allowed: true, reason: 'member' });
    expect(canAccessAgentGroup(db, 'telegram:4', 'ag-2')).toEqual({ allowed: false, reason: 'not_member' });
  });

  it('denies known users who are not members', () => {
    user(db, 'telegram:5', 'Stranger');
    expect(canAccessAgentGroup(db, 'telegram:5', 'ag-1')).toEqual({ allowed: false, reason: 'not_member' });
  });

  it('stops allowing a user once the role is revoked', () => {
    grantRole(db, { userId: 'telegram:2', role: 'admin' });
    expect(revokeRole(db, 'telegram:2', 'admin')).toBe(true);
    expect(canAccessAgentGroup(db, 'telegram:2', 'ag-1')).toEqual({ allowed: false, reason: 'not_member' });
  });

  it('does not confuse the same handle on two channels', () => {
    grantRole(db, { userId: 'telegram:7', role: 'owner' });
    user(db, 'discord:7');
    expect(canAccessAgentGroup(db, 'discord:7', 'ag-1').allowed).toBe(false);
  });
});

describe('role helpers', () => {
  it('rejects owner rows with a scope', () => {
    expect(() => grantRole(db, { userId: 'telegram:1', role: 'owner', agentGroupId: 'ag-1' })).toThrow(
      expect.objectContaining({ code: 'owner_must_be_global', field: 'agentGroup' }),
    );
    expect(db.all(db.q.selectFrom('user_roles').selectAll())).toHaveLength(0);
  });

  it('hasAnyOwner reflects owner grants', () => {
    expect(hasAnyOwner(db)).toBe(false);
    grantRole(db, { userId: 'telegram:1', role: 'owner' });
    expect(hasAnyOwner(db)).toBe(true);
    expect(isOwner(db, 'telegram:1')).toBe(true);
  });

  it('grants a global role only once', () => {
    expect(grantRole(db, { userId: 'telegram:1', role: 'admin' })).toBe(true);
    expect(grantRole(db, { userId: 'telegram:1', role: 'admin' })).toBe(false);
    expect(db.all(db.q.selectFrom('user_roles').selectAll())).toHaveLength(1);
  });

  it('rejects a user id without a channel prefix and writes nothing', () => {
    expect(() => grantRole(db, { userId: '12345', role: 'admin' })).toThrow(
      expect.objectContaining({ code: 'invalid_user_id', field: 'user' }),
    );
    expect(db.all(db.q.selectFrom('users').selectAll())).toHaveLength(0);
  });

  it('rejects a scope naming an unknown agent group and writes nothing', () => {
    expect(() => grantRole(db, { userId: 'telegram:1', role: 'admin', agentGroupId: 'nope' })).toThrow(
      expect.objectContaining({ code: 'unknown_agent_group' }),
    );
    expect(db.all(db.q.selectFrom('users').selectAll())).toHaveLength(0);
  });

  it('rejects an unknown role name', () => {
    expect(() => grantRole(db, { userId: 'telegram:1', role: 'root' as 'admin' })).toThrow(InputError);
  });

  it('rejects membership in an unknown agent group', () => {
    expect(() => addMember(db, { userId: 'telegram:1', agentGroupId: 'nope' })).toThrow(
      expect.objectContaining({ code: 'unknown_agent_group' }),
    );
    expect(db.all(db.q.selectFrom('users').selectAll())).toHaveLength(0);
  });

  it('enforces owner-is-global in the DB as well as in code', () => {
    user(db, 'telegram:1');
    expect(() =>
      db.raw
        .prepare(
          `INSERT INTO user_roles (user_id, role, agent_group_id, granted_at, source) VALUES ('telegram:1','owner','ag-1','t','runtime')`,
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });

  it('keeps global grants unique in the DB despite the NULL scope', () => {
    grantRole(db, { userId: 'telegram:1', role: 'admin' });
    expect(() =>
      db.raw
        .prepare(
          `INSERT INTO user_roles (user_id, role, agent_group_id, granted_at, source) VALUES ('telegram:1','admin',NULL,'t','runtime')`,
        )
        .run(),
    ).toThrow(/UNIQUE constraint failed/);
  });
});

describe('adminUserIdsFor', () => {
  it('is owners, global admins and admins of that group, deduplicated and sorted', () => {
    grantRole(db, { userId: 'telegram:9', role: 'owner' });
    grantRole(db, { userId: 'telegram:9', role: 'admin' });
    grantRole(db, { userId: 'discord:2', role: 'admin' });
    grantRole(db, { userId: 'slack:U1', role: 'admin', agentGroupId: 'ag-1' });
    grantRole(db, { userId: 'slack:U2', role: 'admin', agentGroupId: 'ag-2' });
    addMember(db, { userId: 'telegram:member', agentGroupId: 'ag-1' });
    expect(adminUserIdsFor(db, 'ag-1')).toEqual(['discord:2', 'slack:U1', 'telegram:9']);
    expect(adminUserIdsFor(db, 'ag-2')).toEqual(['discord:2', 'slack:U2', 'telegram:9']);
  });
});

describe('pickApprover', () => {
  it('prefers scoped admins, then global admins, then owners — deduplicated', () => {
    grantRole(db, { userId: 'telegram:owner', role: 'owner' });
    grantRole(db, { userId: 'telegram:global', role: 'admin' });
    grantRole(db, { userId: 'telegram:scoped', role: 'admin', agentGroupId: 'ag-1' });
    expect(pickApprover(db, 'ag-1')).toEqual(['telegram:scoped', 'telegram:global', 'telegram:owner']);
    expect(pickApprover(db, 'ag-2')).toEqual(['telegram:global', 'telegram:owner']);
    expect(pickApprover(db, null)).toEqual(['telegram:global', 'telegram:owner']);
  });

  it('returns an empty list when nobody is privileged', () => {
    addMember(db, { userId: 'telegram:m', agentGroupId: 'ag-1' });
    expect(pickApprover(db, 'ag-1')).toEqual([]);
  });

  it('lists a user holding several roles once, at the most specific position', () => {
    grantRole(db, { userId: 'telegram:a', role: 'owner' });
    grantRole(db, { userId: 'telegram:a', role: 'admin' });
    grantRole(db, { userId: 'telegram:a', role: 'admin', agentGroupId: 'ag-1' });
    grantRole(db, { userId: 'telegram:b', role: 'admin' });
    expect(pickApprover(db, 'ag-1')).toEqual(['telegram:a', 'telegram:b']);
  });

  it('keeps grant order within a tier', () => {
    grantRole(db, { userId: 'telegram:z', role: 'admin' });
    grantRole(db, { userId: 'telegram:a', role: 'admin' });
    expect(pickApprover(db, null)).toEqual(['telegram:z', 'telegram:a']);
  });
});

describe('ensureUserDm', () => {
  it('creates a messaging group from the handle on direct-addressable channels', async () => {
    user(db, 'telegram:123', 'Ann');
    const channels = new MapChannelRegistry([adapter('telegram')]);
    const mg = await ensureUserDm(db, channels, 'telegram:123');
    expect(mg).toMatchObject({ channel_type: 'telegram', platform_id: '123', is_group: 0, name: 'Ann' });
    const cache = db.all(db.q.selectFrom('user_dms').selectAll());
    expect(cache).toEqual([expect.objectContaining({ user_id: 'telegram:123', messaging_group_id: mg!.id })]);
  });

  it('reaches a user through a named bot of their platform when no default bot is configured', async () => {
    user(db, 'telegram:123', 'Ann');
    const named = { ...adapter('telegram-support'), userNamespace: 'telegram' };
    const mg = await ensureUserDm(db, new MapChannelRegistry([named]), 'telegram:123');
    expect(mg).toMatchObject({ channel_type: 'telegram-support', platform_id: '123' });
  });

  it('calls openDM once on resolution-required channels and caches the result', async () => {
    user(db, 'discord:456');
    const open = countingOpenDM();
    const channels = new MapChannelRegistry([adapter('discord', open.fn)]);
    const first = await ensureUserDm(db, channels, 'discord:456');
    const second = await ensureUserDm(db, channels, 'discord:456');
    expect(first!.platform_id).toBe('dm-channel-456');
    expect(second!.id).toBe(first!.id);
    expect(open.calls).toEqual(['456']);
  });

  it('returns null when the channel has no adapter', async () => {
    user(db, 'matrix:@a:x');
    expect(await ensureUserDm(db, new MapChannelRegistry(), 'matrix:@a:x')).toBeNull();
  });

  it('returns null and caches nothing when openDM throws', async () => {
    user(db, 'slack:U9');
    const channels = new MapChannelRegistry([
      adapter('slack', () => Promise.reject(new Error('not_allowed'))),
    ]);
    expect(await ensureUserDm(db, channels, 'slack:U9')).toBeNull();
    expect(db.all(db.q.selectFrom('user_dms').selectAll())).toHaveLength(0);
  });

  it('reuses an existing messaging group for the same chat', async () => {
    user(db, 'telegram:555');
    const existing = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '555', name: 'old' });
    const mg = await ensureUserDm(db, new MapChannelRegistry([adapter('telegram')]), 'telegram:555');
    expect(mg!.id).toBe(existing.id);
    expect(db.all(db.q.selectFrom('messaging_groups').selectAll())).toHaveLength(1);
  });

  it('returns null for an unknown user', async () => {
    expect(
      await ensureUserDm(db, new MapChannelRegistry([adapter('telegram')]), 'telegram:nobody'),
    ).toBeNull();
  });

  it('re-resolves when the cached messaging group was deleted', async () => {
    user(db, 'discord:1');
    const open = countingOpenDM();
    const channels = new MapChannelRegistry([adapter('discord', open.fn)]);
    const first = await ensureUserDm(db, channels, 'discord:1');
    db.run(db.q.deleteFrom('messaging_groups').where('id', '=', first!.id));
    const second = await ensureUserDm(db, channels, 'discord:1');
    expect(second!.platform_id).toBe('dm-channel-1');
    expect(open.calls).toHaveLength(2);
  });
});

describe('pickApprovalDelivery', () => {
  it('returns the first reachable approver', async () => {
    user(db, 'telegram:111');
    user(db, 'telegram:222');
    const got = await pickApprovalDelivery(
      db,
      new MapChannelRegistry([adapter('telegram')]),
      ['telegram:111', 'telegram:222'],
      'telegram',
    );
    expect(got?.userId).toBe('telegram:111');
    expect(got?.messagingGroup.platform_id).toBe('111');
  });

  it('prefers an approver on the same channel kind as the origin', async () => {
    user(db, 'telegram:111');
    user(db, 'discord:222');
    const channels = new MapChannelRegistry([adapter('telegram'), adapter('discord', countingOpenDM().fn)]);
    const got = await pickApprovalDelivery(db, channels, ['telegram:111', 'discord:222'], 'discord');
    expect(got?.userId).toBe('discord:222');
    expect(got?.messagingGroup.channel_type).toBe('discord');
  });

  it('falls through to any reachable approver when none matches the origin', async () => {
    user(db, 'telegram:111');
    const got = await pickApprovalDelivery(
      db,
      new MapChannelRegistry([adapter('telegram')]),
      ['telegram:111'],
      'discord',
    );
    expect(got?.userId).toBe('telegram:111');
  });

  it('returns null when nobody is reachable', async () => {
    user(db, 'telegram:111');
    expect(await pickApprovalDelivery(db, new MapChannelRegistry(), ['telegram:111'], 'telegram')).toBeNull();
  });

  it('skips unreachable approvers and keeps the order among the rest', async () => {
    user(db, 'slack:U1');
    user(db, 'telegram:2');
    user(db, 'telegram:3');
    const channels = new MapChannelRegistry([
      adapter('slack', () => Promise.reject(new Error('cannot_dm_bot'))),
      adapter('telegram'),
    ]);
    const got = await pickApprovalDelivery(db, channels, ['slack:U1', 'telegram:2', 'telegram:3'], 'slack');
    expect(got?.userId).toBe('telegram:2');
  });

  it('does not call openDM twice for the same approver across both passes', async () => {
    user(db, 'discord:1');
    let calls = 0;
    const channels = new MapChannelRegistry([
      adapter('discord', () => {
        calls++;
        return Promise.reject(new Error('closed'));
      }),
    ]);
    expect(await pickApprovalDelivery(db, channels, ['discord:1'], 'discord')).toBeNull();
    expect(calls).toBe(1);
  });
});
