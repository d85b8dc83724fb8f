/** Explicit, unprivileged membership of an agent group. Admins of the group are members without a row. */
import { requireAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import type { Provenance } from '../db/destinations.js';
import type { CentralSchema } from '../db/schema.js';
import { parseUserId, upsertUser } from '../db/users.js';
import { isAdminOf } from './roles.js';

export interface MemberInput extends Provenance {
  userId: string;
  agentGroupId: string;
  addedBy?: string | null;
  displayName?: string | null;
}

/** Adds a member (creating the user row if needed). Returns false when the membership already existed. */
export function addMember(db: CentralDb, input: MemberInput): boolean {
  parseUserId(input.userId);
  return db.tx(() => {
    requireAgentGroup(db, input.agentGroupId);
    upsertUser(db, input.userId, input.displayName);
    const res = db.run(
      db.q
        .insertInto('agent_group_members')
        .values({
          user_id: input.userId,
          agent_group_id: input.agentGroupId,
          added_by: input.addedBy ?? null,
          added_at: nowIso(),
          source: input.source ?? 'runtime',
          source_uid: input.sourceUid ?? null,
          source_generation: input.sourceGeneration ?? null,
        })
        .onConflict((oc) => oc.columns(['user_id', 'agent_group_id']).doNothing()),
    );
    return res.changes > 0;
  });
}

export function hasMemberRow(db: CentralDb, userId: string, agentGroupId: string): boolean {
  return (
    db.first(
      db.q
        .selectFrom('agent_group_members')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('agent_group_id', '=', agentGroupId),
    ) !== undefined
  );
}

/** An explicit member, or an admin scoped to the group (implicit membership). */
export function isMember(db: CentralDb, userId: string, agentGroupId: string): boolean {
  return hasMemberRow(db, userId, agentGroupId) || isAdminOf(db, userId, agentGroupId);
}

/** Removes an explicit membership (admins stay implicit members). Returns whether a row was removed. */
export function removeMember(db: CentralDb, userId: string, agentGroupId: string): boolean {
  return (
    db.run(
      db.q
        .deleteFrom('agent_group_members')
        .where('user_id', '=', userId)
        .where('agent_group_id', '=', agentGroupId),
    ).changes > 0
  );
}

/** Explicit memberships, of one agent group or all, by agent group then user. */
export function listMembers(db: CentralDb, agentGroupId?: string): CentralSchema['agent_group_members'][] {
  let q = db.q.selectFrom('agent_group_members').selectAll();
  if (agentGroupId !== undefined) q = q.where('agent_group_id', '=', agentGroupId);
  return db.all(q.orderBy('agent_group_id').orderBy('user_id'));
}
