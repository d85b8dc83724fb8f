/**
 * Applies a desired UserRole: the user row (created if missing; display name only when the spec gives one) and
 * exactly one grant — a user_roles row (owner/admin) or an agent_group_members row (member) — with source 'crd'.
 *
 * Ownership rules: the same grant held by a runtime row (e.g. an approval made the user a member, a pairing made
 * them owner) is adopted — the row becomes this object's ('crd'), so a GitOps repository can take over runtime
 * grants (`nanoclaw roles export`) without a duplicate, and deleting the object then revokes the grant; held by
 * another live UserRole it is DuplicateGrant; left by a deleted UserRole it is taken over. When the spec changes, the previous grant of this object is replaced. Users rows have
 * no provenance and are never deleted here.
 *
 * Tenants: a global grant (owner, or admin without agentGroup) comes only from a namespace in
 * ctx.globalGrantNamespaces; from any other it is GlobalGrantNotAllowed and no grant row exists. Scoped grants work
 * in every watched namespace (their agent group is always the UserRole's own namespace's).
 */
import { getAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { addMember } from '../../host/access/members.js';
import { grantRole } from '../../host/access/roles.js';
import {
  adoptRuntimeMemberRow,
  adoptRuntimeRoleRow,
  claimMemberRow,
  claimRoleRow,
  crdMemberRowsOf,
  crdRoleRowsOf,
  deleteCrdMembersOf,
  deleteCrdRolesOf,
  findMemberRow,
  findRoleRow,
  totalChanges,
} from '../../host/db/provenance.js';
import type { UserRole } from '../../host/db/schema.js';
import { getUser, upsertUser } from '../../host/db/users.js';
import type { DesiredUserRole } from './desired.js';
import { targetGeneration } from './generation.js';
import { describeHolder, outcomeOf, type ApplyContext, type Outcome, type Problem } from './types.js';

function describeGrant(d: DesiredUserRole): string {
  const g = d.grant;
  if (g.type === 'member') return `member of "${g.agentGroupId}"`;
  return g.agentGroupId === null ? `global ${g.role}` : `${g.role} of "${g.agentGroupId}"`;
}

/** The existing row holding exactly the desired grant, whatever its source. */
function holder(db: CentralDb, d: DesiredUserRole) {
  const g = d.grant;
  if (g.type === 'member') return findMemberRow(db, d.userId, g.agentGroupId);
  return findRoleRow(db, d.userId, g.role, g.agentGroupId);
}

/** Removes this object's grants other than `keep` (the spec changed, or the grant cannot be applied). */
function dropOtherGrants(
  db: CentralDb,
  d: DesiredUserRole,
  keep: 'role' | 'member' | 'none',
  keepId?: number,
): void {
  const g = d.grant;
  deleteCrdRolesOf(db, d.ref.uid, keep === 'role' ? keepId : undefined);
  const member =
    keep === 'member' && g.type === 'member' ? { userId: d.userId, agentGroupId: g.agentGroupId } : undefined;
  deleteCrdMembersOf(db, d.ref.uid, member);
}

function apply(db: CentralDb, d: DesiredUserRole, ctx: ApplyContext): Problem | undefined {
  const g = d.grant;
  if (g.type === 'role' && g.agentGroupId === null && !ctx.globalGrantNamespaces.has(d.ref.namespace)) {
    dropOtherGrants(db, d, 'none');
    return {
      reason: 'GlobalGrantNotAllowed',
      field: 'spec.role',
      message: `${describeGrant(d)} can only be granted by a UserRole in the install's own namespace (or one configured for global grants); here, grant admin or member of an AgentGroup instead`,
    };
  }
  if (g.agentGroupId !== null && !getAgentGroup(db, g.agentGroupId)) {
    dropOtherGrants(db, d, 'none');
    return {
      reason: 'AgentGroupNotFound',
      field: 'spec.agentGroup',
      message: `AgentGroup "${d.agentGroupName}" is not in the central DB (missing, or not Ready)`,
    };
  }
  const user = getUser(db, d.userId);
  if (!user || (d.displayName !== null && user.display_name !== d.displayName))
    upsertUser(db, d.userId, d.displayName);

  const row = holder(db, d);
  // Fast path (every no-change resync): an applied UserRole owns exactly one grant row — this one — because every
  // change of grant drops the others in the same transaction. Nothing else to look up.
  if (
    row &&
    row.source_uid === d.ref.uid &&
    (d.ref.generation === null || row.source_generation === d.ref.generation)
  ) {
    return undefined;
  }
  if (row?.source === 'runtime') {
    // The declared grant supersedes the runtime one (an approval, a pairing, exported by `nanoclaw roles export`):
    // the row is adopted, not duplicated — from now on it lives and dies with this object.
    const generation = targetGeneration(d.ref, undefined, false);
    dropOtherGrants(db, d, 'none');
    if (g.type === 'member') adoptRuntimeMemberRow(db, d.userId, g.agentGroupId, d.ref.uid, generation);
    else adoptRuntimeRoleRow(db, (row as UserRole).id, d.ref.uid, generation);
    return undefined;
  }
  if (row && row.source_uid !== d.ref.uid) {
    if (row.source_uid && ctx.isLive(row.source_uid)) {
      dropOtherGrants(db, d, 'none');
      return {
        reason: 'DuplicateGrant',
        message: `${d.userId} is already ${describeGrant(d)} through ${describeHolder(ctx, row, d.ref)}`,
      };
    }
  }
  // Only the embedded mode derives generations, from what this object owned before.
  const previous =
    d.ref.generation === null
      ? (row ?? crdRoleRowsOf(db, d.ref.uid)[0] ?? crdMemberRowsOf(db, d.ref.uid)[0])
      : row;
  const generation = targetGeneration(d.ref, previous, row !== undefined);
  if (g.type === 'member') {
    dropOtherGrants(db, d, 'member');
    if (!row) {
      addMember(db, {
        userId: d.userId,
        agentGroupId: g.agentGroupId,
        source: 'crd',
        sourceUid: d.ref.uid,
        sourceGeneration: generation,
      });
    } else if (row.source_uid !== d.ref.uid || row.source_generation !== generation) {
      claimMemberRow(db, d.userId, g.agentGroupId, d.ref.uid, generation);
    }
    return undefined;
  }
  const roleRow = row as ReturnType<typeof findRoleRow>;
  dropOtherGrants(db, d, 'role', roleRow?.id);
  if (!roleRow) {
    grantRole(db, {
      userId: d.userId,
      role: g.role,
      agentGroupId: g.agentGroupId,
      source: 'crd',
      sourceUid: d.ref.uid,
      sourceGeneration: generation,
    });
  } else if (roleRow.source_uid !== d.ref.uid || roleRow.source_generation !== generation) {
    claimRoleRow(db, roleRow.id, d.ref.uid, generation);
  }
  return undefined;
}

export function applyUserRole(db: CentralDb, d: DesiredUserRole, ctx: ApplyContext): Outcome {
  const before = totalChanges(db);
  const problem = db.tx(() => apply(db, d, ctx));
  return outcomeOf(
    problem ? [problem] : [],
    totalChanges(db) - before,
    {},
    `${d.userId} is ${describeGrant(d)}`,
  );
}
