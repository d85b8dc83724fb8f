/** Several namespaces on one install: what one namespace's objects can do to, and learn about, another's. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { adminUserIdsFor } from '../../host/access/access.js';
import { getAgentGroup, listAgentGroups, upsertAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { FOLDER_PATTERN } from '../../protocol/vocabulary.js';
import { agentGroup, messagingGroup, userRole } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { projector, type Projector } from '../testing.js';
import { projectedFolder } from './ids.js';

const OWN = 'nanoclaw';
let db: CentralDb;
let p: Projector;
beforeEach(() => {
  db = memoryDb();
  p = projector(db, true, [OWN]);
});
afterEach(() => p.cleanup());

const grants = () =>
  db.all(db.q.selectFrom('user_roles').select(['user_id', 'role', 'agent_group_id', 'source_uid']));
const multi = { multiNamespace: true };

describe('global grants', () => {
  it('are refused from a namespace that is not the install’s own, and leave no grant row', () => {
    const owner = p.apply(userRole('me', { user: 'web:mallory', role: 'owner' }), 'ur-1', 1, 'team-b');
    expect(owner).toMatchObject({ ready: false, reason: 'GlobalGrantNotAllowed', writes: 0 });
    expect(owner.message).toContain("install's own namespace");
    const admin = p.apply(userRole('adm', { user: 'web:mallory', role: 'admin' }), 'ur-2', 1, 'team-b');
    expect(admin).toMatchObject({ ready: false, reason: 'GlobalGrantNotAllowed' });
    expect(grants()).toEqual([]);
  });

  it('are accepted from the install’s own namespace, scoped ones from any namespace', () => {
    expect(p.apply(userRole('o', { user: 'web:olga', role: 'owner' }), 'ur-o', 1, OWN).ready).toBe(true);
    p.apply(agentGroup('helper'), 'ag-b', 1, 'team-b');
    const scoped = userRole('adm', { user: 'web:bob', role: 'admin', agentGroup: 'helper' });
    expect(p.apply(scoped, 'ur-b', 1, 'team-b').ready).toBe(true);
    expect(adminUserIdsFor(db, 'team-b/helper').sort()).toEqual(['web:bob', 'web:olga']);
  });

  it('come from the configured namespaces instead when a list is given', () => {
    const q = projector(db, true, ['admins']);
    try {
      const admin = userRole('g', { user: 'web:ann', role: 'admin' });
      expect(q.apply(admin, 'ur-1', 1, 'admins').ready).toBe(true);
      expect(q.apply(userRole('o', { user: 'web:x', role: 'owner' }), 'ur-2', 1, OWN).reason).toBe(
        'GlobalGrantNotAllowed',
      );
    } finally {
      q.cleanup();
    }
  });

  it('revoke the previous scoped grant when a UserRole is changed into a refused global one', () => {
    p.apply(agentGroup('helper'), 'ag-b', 1, 'team-b');
    p.apply(userRole('r', { user: 'web:bob', role: 'admin', agentGroup: 'helper' }), 'ur-1', 1, 'team-b');
    expect(grants()).toHaveLength(1);
    expect(p.apply(userRole('r', { user: 'web:bob', role: 'admin' }), 'ur-1', 2, 'team-b').reason).toBe(
      'GlobalGrantNotAllowed',
    );
    expect(grants()).toEqual([]);
  });
});

describe('folders with several namespaces', () => {
  it('are <namespace>-<folder>, so one folder name in two namespaces is two directories', () => {
    expect(p.apply(agentGroup('helper'), 'u1', 1, 'team-a').observed).toEqual({
      agentGroupId: 'team-a/helper',
      folder: 'team-a-helper',
    });
    expect(p.apply(agentGroup('helper'), 'u2', 1, 'team-b').ready).toBe(true);
    expect(listAgentGroups(db).map((g) => [g.id, g.folder])).toEqual([
      ['team-a/helper', 'team-a-helper'],
      ['team-b/helper', 'team-b-helper'],
    ]);
  });

  it('stay as given with one namespace', () => {
    expect(projectedFolder('team-a', 'helper', { multiNamespace: false })).toBe('helper');
  });

  it('are shortened deterministically, with a hash, when longer than a DNS label', () => {
    const ns = 'n'.repeat(40);
    const long = projectedFolder(ns, 'f'.repeat(40), multi);
    expect(long).toHaveLength(63);
    expect(long).toMatch(FOLDER_PATTERN);
    expect(long).toMatch(/^n{40}-f{11}-[0-9a-f]{10}$/);
    expect(projectedFolder(ns, 'f'.repeat(40), multi)).toBe(long);
    expect(projectedFolder(ns, 'f'.repeat(41), multi)).not.toBe(long);
    // A cut that ends in '-' drops it, so the folder stays a DNS label.
    expect(projectedFolder('a'.repeat(51), 'b'.repeat(20), multi)).toMatch(/^a{51}-[0-9a-f]{10}$/);
  });

  it('keep the un-namespaced folder of a row projected before folders were namespaced', () => {
    upsertAgentGroup(db, {
      id: 'team-a/helper',
      name: 'helper',
      folder: 'helper',
      source: 'crd',
      sourceUid: 'u1',
      sourceGeneration: 1,
    });
    expect(p.apply(agentGroup('helper'), 'u1', 2, 'team-a')).toMatchObject({
      ready: true,
      observed: { folder: 'helper' },
    });
    expect(getAgentGroup(db, 'team-a/helper')).toMatchObject({ folder: 'helper', source_generation: 2 });
  });

  it('conflict within one namespace, naming the other object', () => {
    p.apply(agentGroup('one', { folder: 'work' }), 'u1', 1, 'team-a');
    const clash = p.apply(agentGroup('two', { folder: 'work' }), 'u2', 1, 'team-a');
    expect(clash).toMatchObject({ ready: false, reason: 'FolderConflict' });
    expect(clash.message).toContain('AgentGroup team-a/one');
  });
});

describe('conflict messages across namespaces', () => {
  const secret = /team-a|secret/;

  it('do not name the other namespace’s AgentGroup when two folders spell the same directory', () => {
    // "team-a" + "b-secret" and "team-a-b" + "secret" are both team-a-b-secret.
    p.apply(agentGroup('secret-agent', { folder: 'b-secret' }), 'u1', 1, 'team-a');
    const clash = p.apply(agentGroup('mine', { folder: 'secret' }), 'u2', 1, 'team-a-b');
    expect(clash).toMatchObject({ ready: false, reason: 'FolderConflict' });
    expect(clash.message).toContain('an object in another namespace');
    expect(clash.message.replace('"team-a-b-secret"', '')).not.toMatch(secret);
  });

  it('do not name the MessagingGroup that holds a chat in another namespace', () => {
    const chat = (name: string) => messagingGroup(name, { channel: 'telegram', platformId: '-100' });
    expect(p.apply(chat('secret-chat'), 'mg-a', 1, 'team-a').ready).toBe(true);
    const dup = p.apply(chat('mine'), 'mg-b', 1, 'team-b');
    expect(dup).toMatchObject({ ready: false, reason: 'ChatConflict', writes: 0 });
    expect(dup.message).toContain('an object in another namespace');
    expect(dup.message).not.toMatch(secret);
  });

  it('do not name another namespace’s agent group wired to a runtime chat', () => {
    p.apply(agentGroup('secret-agent'), 'ag-a', 1, 'team-a');
    p.apply(agentGroup('mine'), 'ag-b', 1, 'team-b');
    const rt = upsertMessagingGroup(db, { channelType: 'discord', platformId: '42' });
    upsertWiring(db, { messagingGroupId: rt.id, agentGroupId: 'team-a/secret-agent' });
    const out = p.apply(
      messagingGroup('dc', { channel: 'discord', platformId: '42', agents: [{ agentGroup: 'mine' }] }),
      'mg-b',
      1,
      'team-b',
    );
    expect(out).toMatchObject({ ready: false, reason: 'ChatOwnedByRuntime' });
    expect(out.message).toContain('an object in another namespace');
    expect(out.message).not.toMatch(secret);
  });

  it('do not name the UserRole of another namespace that already holds a grant', () => {
    const q = projector(db, true, ['team-a', 'team-b']);
    try {
      q.apply(userRole('secret-role', { user: 'web:ann', role: 'admin' }), 'ur-a', 1, 'team-a');
      const dup = q.apply(userRole('mine', { user: 'web:ann', role: 'admin' }), 'ur-b', 1, 'team-b');
      expect(dup).toMatchObject({ ready: false, reason: 'DuplicateGrant' });
      expect(dup.message).toContain('an object in another namespace');
      expect(dup.message).not.toMatch(secret);
    } finally {
      q.cleanup();
    }
  });
});
