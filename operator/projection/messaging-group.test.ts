import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { listDestinations } from '../../host/db/destinations.js';
import { findMessagingGroup, upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { listWiringsOf, upsertWiring } from '../../host/db/wirings.js';
import { agentGroup, messagingGroup } from '../api/v1alpha1/testdata/invalid-manifests.js';
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

const team = (agents: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  messagingGroup('team', {
    channel: 'telegram',
    platformId: '-100',
    displayName: 'Team Chat',
    agents,
    ...extra,
  });

describe('MessagingGroup projection', () => {
  it('creates the chat, its wirings and their destinations as crd rows', () => {
    const out = p.apply(
      team(
        [
          { agentGroup: 'alpha', engage: { mode: 'pattern', pattern: '^!ask' }, priority: 5 },
          { agentGroup: 'beta', sessionMode: 'per-thread' },
        ],
        {
          isGroup: true,
          unknownSenderPolicy: 'request_approval',
        },
      ),
      'mg-1',
      4,
    );
    expect(out).toMatchObject({ ready: true, observed: { messagingGroupId: 'team', wiredAgents: 2 } });
    expect(findMessagingGroup(db, 'telegram', '-100')).toMatchObject({
      id: 'team',
      name: 'Team Chat',
      is_group: 1,
      unknown_sender_policy: 'request_approval',
      source: 'crd',
      source_uid: 'mg-1',
      source_generation: 4,
    });
    expect(listWiringsOf(db, 'team')).toEqual([
      expect.objectContaining({
        agent_group_id: 'alpha',
        engage_mode: 'pattern',
        engage_pattern: '^!ask',
        sender_scope: 'all',
        ignored_messages: 'drop',
        session_mode: 'shared',
        priority: 5,
        source: 'crd',
        source_uid: 'mg-1',
        source_generation: 4,
      }),
      expect.objectContaining({
        agent_group_id: 'beta',
        engage_mode: 'mention',
        engage_pattern: null,
        session_mode: 'per-thread',
        priority: 0,
      }),
    ]);
    for (const ag of ['alpha', 'beta']) {
      expect(listDestinations(db, ag)).toEqual([
        expect.objectContaining({
          local_name: 'team-chat',
          target_type: 'channel',
          target_id: 'team',
          source: 'crd',
          source_uid: 'mg-1',
        }),
      ]);
    }
  });

  it('writes nothing when unchanged; removing an agent removes its wiring and crd destination only', () => {
    p.apply(team([{ agentGroup: 'alpha' }, { agentGroup: 'beta' }]), 'mg-1', 1);
    expect(p.apply(team([{ agentGroup: 'alpha' }, { agentGroup: 'beta' }]), 'mg-1', 1).writes).toBe(0);
    // A destination the host created at run time for another chat stays.
    const other = upsertMessagingGroup(db, { channelType: 'web', platformId: 'x', name: 'Other' });
    upsertWiring(db, { messagingGroupId: other.id, agentGroupId: 'beta' });
    const out = p.apply(team([{ agentGroup: 'alpha' }]), 'mg-1', 2);
    expect(out.observed.wiredAgents).toBe(1);
    expect(listWiringsOf(db, 'team').map((w) => w.agent_group_id)).toEqual(['alpha']);
    expect(listDestinations(db, 'beta').map((d) => [d.local_name, d.source])).toEqual([['other', 'runtime']]);
    expect(listDestinations(db, 'alpha')).toHaveLength(1);
  });

  it('reports a missing agent group, applies the rest, and recovers when it appears', () => {
    const out = p.apply(team([{ agentGroup: 'alpha' }, { agentGroup: 'gamma' }]), 'mg-1');
    expect(out).toMatchObject({ ready: false, reason: 'AgentGroupNotFound', observed: { wiredAgents: 1 } });
    expect(out.problems[0]!.field).toBe('spec.agents[1].agentGroup');
    expect(listWiringsOf(db, 'team').map((w) => w.agent_group_id)).toEqual(['alpha']);
    p.apply(agentGroup('gamma'), 'ag-g');
    const again = p.apply(team([{ agentGroup: 'alpha' }, { agentGroup: 'gamma' }]), 'mg-1');
    expect(again).toMatchObject({ ready: true, observed: { wiredAgents: 2 } });
  });

  it('reports a pattern the router cannot compile', () => {
    const out = p.apply(
      team([{ agentGroup: 'alpha', engage: { mode: 'pattern', pattern: '(unclosed' } }]),
      'mg-1',
    );
    expect(out).toMatchObject({ ready: false, reason: 'InvalidPattern' });
    expect(out.problems[0]!.field).toBe('spec.agents[0].engage.pattern');
    expect(listWiringsOf(db, 'team')).toEqual([]);
  });

  it.each([
    ['a backreference', '(a)\\1'],
    ['a lookahead', '^(?=!ask)'],
    ['a negative lookbehind', '(?<!x)y'],
  ])('reports %s as InvalidPattern: patterns are RE2, linear time', (_name, pattern) => {
    const out = p.apply(
      team([
        { agentGroup: 'alpha', engage: { mode: 'pattern', pattern } },
        { agentGroup: 'beta', engage: { mode: 'pattern', pattern: '^!b\\b' } },
      ]),
      'mg-1',
    );
    expect(out).toMatchObject({ ready: false, reason: 'InvalidPattern' });
    expect(out.problems[0]!.field).toBe('spec.agents[0].engage.pattern');
    expect(out.problems[0]!.message).toContain('RE2');
    expect(listWiringsOf(db, 'team').map((w) => w.agent_group_id)).toEqual(['beta']);
  });

  it('one chat, one MessagingGroup: a second is refused until the first is gone', () => {
    p.apply(team([{ agentGroup: 'alpha' }]), 'mg-1');
    const dup = messagingGroup('team-copy', {
      channel: 'telegram',
      platformId: '-100',
      agents: [{ agentGroup: 'beta' }],
    });
    expect(p.apply(dup, 'mg-2')).toMatchObject({ ready: false, reason: 'ChatConflict', writes: 0 });
    expect(p.apply(dup, 'mg-2').message).toContain('default/team');
    removeProjection(db, p.dataDir, 'mg-1');
    p.live.delete('mg-1');
    expect(p.apply(dup, 'mg-2').ready).toBe(true);
    expect(findMessagingGroup(db, 'telegram', '-100')).toMatchObject({ id: 'team-copy', source_uid: 'mg-2' });
  });

  it('takes over the rows of a deleted-and-recreated object, destinations included', () => {
    p.apply(team([{ agentGroup: 'alpha' }]), 'mg-1');
    p.live.delete('mg-1');
    expect(p.apply(team([{ agentGroup: 'alpha' }]), 'mg-new').ready).toBe(true);
    expect(listDestinations(db, 'alpha')).toEqual([expect.objectContaining({ source_uid: 'mg-new' })]);
    expect(pruneProjection(db, p.dataDir, (uid) => p.live.has(uid)).gone).toEqual([]);
    expect(listWiringsOf(db, 'team')).toHaveLength(1);
  });

  it('adopts an unwired chat the router created, but not one wired at run time', () => {
    const auto = upsertMessagingGroup(db, {
      channelType: 'telegram',
      platformId: '-100',
      unknownSenderPolicy: 'request_approval',
    });
    expect(p.apply(team([{ agentGroup: 'alpha' }]), 'mg-1').ready).toBe(true);
    expect(findMessagingGroup(db, 'telegram', '-100')).toMatchObject({
      id: auto.id,
      source: 'crd',
      unknown_sender_policy: 'strict',
    });

    const wired = upsertMessagingGroup(db, { channelType: 'discord', platformId: '42' });
    upsertWiring(db, { messagingGroupId: wired.id, agentGroupId: 'beta' });
    const out = p.apply(
      messagingGroup('dc', { channel: 'discord', platformId: '42', agents: [{ agentGroup: 'alpha' }] }),
      'mg-2',
    );
    expect(out).toMatchObject({ ready: false, reason: 'ChatOwnedByRuntime', writes: 0 });
    expect(findMessagingGroup(db, 'discord', '42')).toMatchObject({ source: 'runtime' });
  });

  it('keeps a runtime wiring on its own chat and says so', () => {
    p.apply(team([{ agentGroup: 'alpha' }]), 'mg-1');
    upsertWiring(db, { messagingGroupId: 'team', agentGroupId: 'beta', priority: 9 });
    const out = p.apply(team([{ agentGroup: 'alpha' }, { agentGroup: 'beta' }]), 'mg-1');
    expect(out).toMatchObject({ ready: false, reason: 'WiringOwnedByRuntime' });
    expect(listWiringsOf(db, 'team').map((w) => [w.agent_group_id, w.source, w.priority])).toEqual([
      ['beta', 'runtime', 9],
      ['alpha', 'crd', 0],
    ]);
  });

  it('refuses to move a projected chat (embedded files can change channel)', () => {
    p.apply(team([]), 'mg-1');
    const moved = messagingGroup('team', { channel: 'telegram', platformId: '-200' });
    expect(p.apply(moved, 'mg-1')).toMatchObject({ ready: false, reason: 'ChatImmutable' });
  });

  it('on delete removes chat, wirings and destinations; runtime rows stay', () => {
    p.apply(team([{ agentGroup: 'alpha' }]), 'mg-1');
    const rt = upsertMessagingGroup(db, { channelType: 'web', platformId: 'rt' });
    upsertWiring(db, { messagingGroupId: rt.id, agentGroupId: 'alpha' });
    removeProjection(db, p.dataDir, 'mg-1');
    expect(findMessagingGroup(db, 'telegram', '-100')).toBeUndefined();
    expect(listDestinations(db, 'alpha').map((d) => d.target_id)).toEqual([rt.id]);
    expect(listWiringsOf(db, rt.id)).toHaveLength(1);
  });
});
