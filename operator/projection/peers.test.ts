import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { listDestinations } from '../../host/db/destinations.js';
import { agentGroup, messagingGroup } from '../api/v1alpha1/testdata/invalid-manifests.js';
import { parseManifest } from '../api/v1alpha1/parse.js';
import { projector, type Projector } from '../testing.js';
import { removeProjection } from './project.js';

let db: CentralDb;
let p: Projector;
beforeEach(() => {
  db = memoryDb();
  p = projector(db);
});
afterEach(() => p.cleanup());

const destinations = (id: string) =>
  listDestinations(db, id).map((d) => [d.local_name, d.target_type, d.target_id, d.source, d.source_uid]);

describe('AgentGroup peers projection', () => {
  it('makes each declared peer an agent destination of the declaring group only', () => {
    p.apply(agentGroup('research'), 'u-r');
    p.apply(agentGroup('writer.bot', { folder: 'writer' }), 'u-w');
    const out = p.apply(
      agentGroup('front', { peers: [{ agentGroup: 'research', name: 'lab' }, { agentGroup: 'writer.bot' }] }),
      'u-f',
    );
    expect(out).toMatchObject({ ready: true, reason: 'Projected' });
    // A name defaults to the peer's metadata.name, as a destination name.
    expect(destinations('front')).toEqual([
      ['lab', 'agent', 'research', 'crd', 'u-f'],
      ['writer-bot', 'agent', 'writer.bot', 'crd', 'u-f'],
    ]);
    // Declaring is one-way: the peers may not message the declaring group.
    expect(destinations('research')).toEqual([]);
  });

  it('creates no agent destination without spec.peers', () => {
    p.apply(agentGroup('research'), 'u-r');
    p.apply(agentGroup('front'), 'u-f');
    expect(destinations('front')).toEqual([]);
  });

  it('reports a missing peer as PeerNotFound, applies the others, and adds it once the peer exists', () => {
    p.apply(agentGroup('research'), 'u-r');
    const m = agentGroup('front', { peers: [{ agentGroup: 'later' }, { agentGroup: 'research' }] });
    expect(p.apply(m, 'u-f')).toMatchObject({
      ready: false,
      reason: 'PeerNotFound',
      problems: [{ field: 'spec.peers[0].agentGroup' }],
    });
    expect(destinations('front').map((d) => d[0])).toEqual(['research']);
    p.apply(agentGroup('later'), 'u-l');
    expect(p.apply(m, 'u-f')).toMatchObject({ ready: true });
    expect(destinations('front').map((d) => d[0])).toEqual(['later', 'research']);
  });

  it('does not count the row of a deleted AgentGroup as a peer', () => {
    p.apply(agentGroup('research'), 'u-r');
    p.live.delete('u-r');
    expect(p.apply(agentGroup('front', { peers: [{ agentGroup: 'research' }] }), 'u-f')).toMatchObject({
      reason: 'PeerNotFound',
    });
  });

  it('removes the destination of a peer no longer declared, and keeps chat destinations', () => {
    p.apply(agentGroup('research'), 'u-r');
    p.apply(agentGroup('front', { peers: [{ agentGroup: 'research' }] }), 'u-f');
    p.apply(
      messagingGroup('team', { channel: 'web', platformId: 'team', agents: [{ agentGroup: 'front' }] }),
      'u-m',
    );
    expect(destinations('front').map((d) => d[0])).toEqual(['research', 'team']);
    p.apply(agentGroup('front', { peers: [] }), 'u-f', 2);
    expect(destinations('front').map((d) => d[0])).toEqual(['team']);
  });

  it('breaks a name collision with a chat destination with a suffix, and renames when the name changes', () => {
    p.apply(agentGroup('research'), 'u-r');
    p.apply(agentGroup('front'), 'u-f');
    p.apply(
      messagingGroup('ops', { channel: 'web', platformId: 'ops', agents: [{ agentGroup: 'front' }] }),
      'u-m',
    );
    p.apply(agentGroup('front', { peers: [{ agentGroup: 'research', name: 'ops' }] }), 'u-f', 2);
    expect(destinations('front').map((d) => d[0])).toEqual(['ops', 'ops-2']);
    p.apply(agentGroup('front', { peers: [{ agentGroup: 'research', name: 'lab' }] }), 'u-f', 3);
    expect(destinations('front').map((d) => d[0])).toEqual(['lab', 'ops']);
  });

  it('loses the destination when the peer AgentGroup goes, and the declaring group’s rows when it goes', () => {
    p.apply(agentGroup('research'), 'u-r');
    p.apply(agentGroup('front', { peers: [{ agentGroup: 'research' }] }), 'u-f');
    p.apply(agentGroup('research', { peers: [{ agentGroup: 'front' }] }), 'u-r', 2);
    removeProjection(db, p.dataDir, 'u-r');
    expect(destinations('front')).toEqual([]);
    p.apply(agentGroup('research'), 'u-r2');
    p.apply(agentGroup('front', { peers: [{ agentGroup: 'research' }] }), 'u-f');
    removeProjection(db, p.dataDir, 'u-f');
    expect(db.all(db.q.selectFrom('agent_destinations').selectAll())).toEqual([]);
  });

  it('resolves peers in the declaring group’s namespace when several are watched', () => {
    const multi = projector(db, true);
    try {
      multi.apply(agentGroup('research'), 'u-a', 1, 'team-a');
      multi.apply(agentGroup('research'), 'u-b', 1, 'team-b');
      multi.apply(agentGroup('front', { peers: [{ agentGroup: 'research' }] }), 'u-f', 1, 'team-a');
      expect(destinations('team-a/front').map((d) => [d[0], d[2]])).toEqual([
        ['research', 'team-a/research'],
      ]);
    } finally {
      multi.cleanup();
    }
  });
});

describe('AgentGroup spec.peers schema', () => {
  it('refuses the same peer twice and a name that is not a DNS label', () => {
    const twice = parseManifest(agentGroup('front', { peers: [{ agentGroup: 'r' }, { agentGroup: 'r' }] }));
    expect(twice.ok).toBe(false);
    expect(JSON.stringify(twice)).toContain('Duplicate value: agentGroup');
    const badName = parseManifest(agentGroup('front', { peers: [{ agentGroup: 'r', name: 'Not A Label' }] }));
    expect(badName.ok).toBe(false);
  });
});
