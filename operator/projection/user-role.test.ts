import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { adminUserIdsFor, canAccessAgentGroup } from '../../host/access/access.js';
import { addMember } from '../../host/access/members.js';
import { grantRole } from '../../host/access/roles.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { getUser } from '../../host/db/users.js';
import { agentGroup, userRole } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { projector, type Projector } from '../testing.js';
import { pruneProjection, removeProjection } from './project.js';

let db: CentralDb;
let p: Projector;
beforeEach(() => {
  db = memoryDb();
  p = projector(db);
  p.apply(agentGroup('alpha'), 'ag-a');
  p.apply(agentGroup('beta'), 'ag-b');
});
afterEach(() => p.cleanup());

const roles = () =>
  db.all(
    db.q
      .selectFrom('user_roles')
      .select(['user_id', 'role', 'agent_group_id', 'source', 'source_uid', 'source_generation'])
      .orderBy('id'),
  );
const members = () =>
  db.all(
    db.q
      .selectFrom('agent_group_members')
      .select(['user_id', 'agent_group_id', 'source', 'source_uid'])
      .orderBy('user_id'),
  );

describe('UserRole projection', () => {
  it('projects owner, global admin, scoped admin and member grants', () => {
    p.apply(userRole('o', { user: 'telegram:1', role: 'owner', displayName: 'Olga' }), 'ur-o', 2);
    p.apply(userRole('g', { user: 'slack:U2', role: 'admin' }), 'ur-g');
    p.apply(userRole('s', { user: 'discord:3', role: 'admin', agentGroup: 'alpha' }), 'ur-s');
    p.apply(userRole('m', { user: 'web:local', role: 'member', agentGroup: 'beta' }), 'ur-m');
    expect(roles()).toEqual([
      {
        user_id: 'telegram:1',
        role: 'owner',
        agent_group_id: null,
        source: 'crd',
        source_uid: 'ur-o',
        source_generation: 2,
      },
      {
        user_id: 'slack:U2',
        role: 'admin',
        agent_group_id: null,
        source: 'crd',
        source_uid: 'ur-g',
        source_generation: 1,
      },
      {
        user_id: 'discord:3',
        role: 'admin',
        agent_group_id: 'alpha',
        source: 'crd',
        source_uid: 'ur-s',
        source_generation: 1,
      },
    ]);
    expect(members()).toEqual([
      { user_id: 'web:local', agent_group_id: 'beta', source: 'crd', source_uid: 'ur-m' },
    ]);
    expect(getUser(db, 'telegram:1')).toMatchObject({ kind: 'telegram', display_name: 'Olga' });
    expect(adminUserIdsFor(db, 'alpha')).toEqual(['discord:3', 'slack:U2', 'telegram:1']);
    expect(adminUserIdsFor(db, 'beta')).toEqual(['slack:U2', 'telegram:1']);
    expect(canAccessAgentGroup(db, 'web:local', 'beta')).toEqual({ allowed: true, reason: 'member' });
  });

  it('writes nothing when unchanged and replaces the grant when the spec changes in place', () => {
    p.apply(userRole('x', { user: 'telegram:7', role: 'admin', agentGroup: 'alpha' }), 'ur-x', 1);
    expect(
      p.apply(userRole('x', { user: 'telegram:7', role: 'admin', agentGroup: 'alpha' }), 'ur-x', 1).writes,
    ).toBe(0);
    p.apply(userRole('x', { user: 'telegram:7', role: 'member', agentGroup: 'alpha' }), 'ur-x', 2);
    expect(roles()).toEqual([]);
    expect(members()).toEqual([
      { user_id: 'telegram:7', agent_group_id: 'alpha', source: 'crd', source_uid: 'ur-x' },
    ]);
    expect(adminUserIdsFor(db, 'alpha')).toEqual([]);
    p.apply(userRole('x', { user: 'telegram:7', role: 'admin' }), 'ur-x', 3);
    expect(members()).toEqual([]);
    expect(adminUserIdsFor(db, 'beta')).toEqual(['telegram:7']);
  });

  it('reports a missing agent group and drops its previous grant', () => {
    p.apply(userRole('x', { user: 'telegram:7', role: 'admin', agentGroup: 'alpha' }), 'ur-x', 1);
    const out = p.apply(userRole('x', { user: 'telegram:7', role: 'admin', agentGroup: 'nope' }), 'ur-x', 2);
    expect(out).toMatchObject({ ready: false, reason: 'AgentGroupNotFound' });
    expect(out.problems[0]!.field).toBe('spec.agentGroup');
    expect(roles()).toEqual([]);
  });

  it('adopts a runtime grant declared by a UserRole (no duplicate; deleting the object revokes it); a second UserRole for one grant is a duplicate', () => {
    addMember(db, { userId: 'telegram:9', agentGroupId: 'alpha' });
    const out = p.apply(
      userRole('m', { user: 'telegram:9', role: 'member', agentGroup: 'alpha' }),
      'ur-m',
      3,
    );
    expect(out).toMatchObject({ ready: true });
    expect(members()).toEqual([
      { user_id: 'telegram:9', agent_group_id: 'alpha', source: 'crd', source_uid: 'ur-m' },
    ]);
    expect(
      p.apply(userRole('m', { user: 'telegram:9', role: 'member', agentGroup: 'alpha' }), 'ur-m', 3).writes,
    ).toBe(0);
    removeProjection(db, p.dataDir, 'ur-m');
    expect(members()).toEqual([]);

    grantRole(db, { userId: 'telegram:1', role: 'owner' });
    expect(p.apply(userRole('o', { user: 'telegram:1', role: 'owner' }), 'ur-o').ready).toBe(true);
    expect(roles()).toEqual([
      {
        user_id: 'telegram:1',
        role: 'owner',
        agent_group_id: null,
        source: 'crd',
        source_uid: 'ur-o',
        source_generation: 1,
      },
    ]);

    p.apply(userRole('a1', { user: 'slack:U1', role: 'admin' }), 'ur-a1');
    const dup = p.apply(userRole('a2', { user: 'slack:U1', role: 'admin' }), 'ur-a2');
    expect(dup).toMatchObject({ ready: false, reason: 'DuplicateGrant' });
    expect(dup.message).toContain('default/a1');
    removeProjection(db, p.dataDir, 'ur-a1');
    p.live.delete('ur-a1');
    expect(p.apply(userRole('a2', { user: 'slack:U1', role: 'admin' }), 'ur-a2').ready).toBe(true);
  });

  it('takes over a grant left by a deleted object instead of duplicating it', () => {
    p.apply(userRole('a', { user: 'slack:U1', role: 'admin' }), 'ur-old');
    p.live.delete('ur-old');
    expect(p.apply(userRole('a', { user: 'slack:U1', role: 'admin' }), 'ur-new', 1).ready).toBe(true);
    expect(roles()).toEqual([expect.objectContaining({ source_uid: 'ur-new' })]);
    expect(pruneProjection(db, p.dataDir, (uid) => p.live.has(uid)).gone).toEqual([]);
  });

  it('removing a UserRole revokes its grant and leaves the user row', () => {
    p.apply(userRole('o', { user: 'telegram:1', role: 'owner' }), 'ur-o');
    expect(adminUserIdsFor(db, 'alpha')).toEqual(['telegram:1']);
    removeProjection(db, p.dataDir, 'ur-o');
    expect(adminUserIdsFor(db, 'alpha')).toEqual([]);
    expect(getUser(db, 'telegram:1')).toBeDefined();
  });

  it('prunes every object that is no longer live, in one pass', () => {
    p.apply(userRole('o', { user: 'telegram:1', role: 'owner' }), 'ur-o');
    p.apply(userRole('m', { user: 'web:x', role: 'member', agentGroup: 'alpha' }), 'ur-m');
    const gone = pruneProjection(db, p.dataDir, (uid) => uid.startsWith('ag-')).gone;
    expect(gone.sort()).toEqual(['ur-m', 'ur-o']);
    expect(roles()).toEqual([]);
    expect(members()).toEqual([]);
  });
});
