import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { addMember } from '../access/members.js';
import { grantRole } from '../access/roles.js';
import { upsertAgentGroup } from './agent-groups.js';
import type { CentralDb } from './central-db.js';
import { listDestinations } from './destinations.js';
import { upsertMessagingGroup } from './messaging-groups.js';
import {
  claimChannelDestinations,
  claimMemberRow,
  claimRoleRow,
  crdSourceUids,
  deleteCrdRows,
  deleteRoleRow,
  findMemberRow,
  findRoleRow,
  totalChanges,
} from './provenance.js';
import { upsertWiring } from './wirings.js';

let db: CentralDb;
const crd = (uid: string) => ({ source: 'crd' as const, sourceUid: uid, sourceGeneration: 1 });

beforeEach(() => {
  db = dbWithGroups(); // ag-1, ag-2 (runtime)
  upsertAgentGroup(db, { id: 'ag-c', name: 'C', folder: 'ag-c', ...crd('u-ag') });
  const mg = upsertMessagingGroup(db, {
    id: 'mg-c',
    channelType: 'web',
    platformId: 'c',
    name: 'C',
    ...crd('u-mg'),
  });
  upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag-1', ...crd('u-mg') });
  grantRole(db, { userId: 'telegram:1', role: 'admin', agentGroupId: 'ag-1', ...crd('u-ur') });
  grantRole(db, { userId: 'telegram:2', role: 'admin', agentGroupId: 'ag-1' });
  addMember(db, { userId: 'telegram:3', agentGroupId: 'ag-2', ...crd('u-m') });
});

describe('rows by provenance', () => {
  it('lists the uids that own crd rows', () => {
    expect([...crdSourceUids(db)].sort()).toEqual(['u-ag', 'u-m', 'u-mg', 'u-ur']);
  });

  it('deletes exactly the rows of one uid and never a runtime row', () => {
    expect(deleteCrdRows(db, 'u-mg')).toBe(3); // chat, wiring, destination
    expect(listDestinations(db, 'ag-1')).toEqual([]);
    expect(deleteCrdRows(db, 'u-ur')).toBe(1);
    expect(findRoleRow(db, 'telegram:2', 'admin', 'ag-1')).toMatchObject({ source: 'runtime' });
    expect(deleteCrdRows(db, 'nobody')).toBe(0);
  });

  it('claims crd rows for a new uid, but not runtime rows', () => {
    const mine = findRoleRow(db, 'telegram:1', 'admin', 'ag-1')!;
    const theirs = findRoleRow(db, 'telegram:2', 'admin', 'ag-1')!;
    expect(claimRoleRow(db, mine.id, 'u-new', 2)).toBe(true);
    expect(claimRoleRow(db, theirs.id, 'u-new', 2)).toBe(false);
    expect(findRoleRow(db, 'telegram:1', 'admin', 'ag-1')).toMatchObject({
      source_uid: 'u-new',
      source_generation: 2,
    });
    expect(claimMemberRow(db, 'telegram:3', 'ag-2', 'u-m2', 5)).toBe(true);
    expect(findMemberRow(db, 'telegram:3', 'ag-2')).toMatchObject({
      source_uid: 'u-m2',
      source_generation: 5,
    });
    expect(claimChannelDestinations(db, 'mg-c', 'u-mg2', 3)).toBe(1);
    expect(claimChannelDestinations(db, 'mg-c', 'u-mg2', 3)).toBe(0);
    expect(deleteRoleRow(db, theirs.id)).toBe(false);
  });

  it('counts changes made on the connection', () => {
    const before = totalChanges(db);
    deleteCrdRows(db, 'u-m');
    expect(totalChanges(db) - before).toBe(1);
  });
});
