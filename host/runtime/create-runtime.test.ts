import { describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { upsertAgentGroup } from '../db/agent-groups.js';
import { agentGroupOwner } from './create-runtime.js';

describe('runner pod owner', () => {
  const db = memoryDb();
  upsertAgentGroup(db, {
    id: 'helper',
    name: 'h',
    folder: 'helper',
    source: 'crd',
    sourceUid: 'uid-1',
    sourceGeneration: 1,
  });
  upsertAgentGroup(db, {
    id: 'team-b/ops',
    name: 'o',
    folder: 'ops',
    source: 'crd',
    sourceUid: 'uid-2',
    sourceGeneration: 1,
  });
  upsertAgentGroup(db, { id: 'adhoc', name: 'a', folder: 'adhoc' });

  it('is the AgentGroup object for a group declared in the pods namespace', () => {
    expect(agentGroupOwner(db, 'helper', 'nanoclaw')).toEqual({
      apiVersion: 'nanoclaw.dev/v1alpha1',
      kind: 'AgentGroup',
      name: 'helper',
      uid: 'uid-1',
    });
    expect(agentGroupOwner(db, 'team-b/ops', 'team-b')).toMatchObject({ name: 'ops', uid: 'uid-2' });
  });

  it('is absent across namespaces and for groups created at run time', () => {
    expect(agentGroupOwner(db, 'team-b/ops', 'nanoclaw')).toBeUndefined();
    expect(agentGroupOwner(db, 'adhoc', 'nanoclaw')).toBeUndefined();
    expect(agentGroupOwner(db, 'missing', 'nanoclaw')).toBeUndefined();
  });
});
