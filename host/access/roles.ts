/**
 * Privileged roles. Invariants (enforced by the DB as well): an owner is always global; an admin is global
 * (agent_group_id NULL) or scoped to one agent group; a (user, role, scope) grant exists at most once.
 * Owners and admins are implicitly members; see access.ts.
 */
import { InputError } from '../errors.js';
import { requireAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import type { Provenance } from '../db/destinations.js';
import { type UserRole } from '../db/schema.js';
import { ROLES, type Role } from '../../protocol/vocabulary.js';
import { parseUserId, upsertUser } from '../db/users.js';

export interface GrantInput extends Provenance {
  userId: string;
  role: Role;
  agentGroupId?: string | null;
  grantedBy?: string | null;
  displayName?: string | null;
}

function validateGrant(db: CentralDb, input: GrantInput): void {
  parseUserId(input.userId);
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new InputError(
      'invalid_role',
      'role',
      `role ${JSON.stringify(input.role)} must be one of ${ROLES.join(', ')}`,
    );
  }
  const scope = input.agentGroupId ?? null;
  if (input.role === 'owner' && scope !== null) {
    throw new InputError(
      'owner_must_be_global',
      'agentGroup',
      'an owner is global: it cannot be scoped to an agent group',
    );
  }
  if (scope !== null) requireAgentGroup(db, scope);
}

function findGrant(db: CentralDb, userId: string, role: Role, scope: string | null): UserRole | undefined {
  let q = db.q.selectFrom('user_roles').selectAll().where('user_id', '=', userId).where('role', '=', role);
  q = scope === null ? q.where('agent_group_id', 'is', null) : q.where('agent_group_id', '=', scope);
  return db.first(q);
}

/** Grants a role (creating the user row if needed). Returns false when the grant already existed. */
export function grantRole(db: CentralDb, input: GrantInput): boolean {
  validateGrant(db, input);
  const scope = input.agentGroupId ?? null;
  return db.tx(() => {
    upsertUser(db, input.userId, input.displayName);
    if (findGrant(db, input.userId, input.role, scope)) return false;
    db.run(
      db.q.insertInto('user_roles').values({
        user_id: input.userId,
        role: input.role,
        agent_group_id: scope,
        granted_by: input.grantedBy ?? null,
        granted_at: nowIso(),
        source: input.source ?? 'runtime',
        source_uid: input.sourceUid ?? null,
        source_generation: input.sourceGeneration ?? null,
      }),
    );
    return true;
  });
}

/** Revokes one grant; a NULL scope means the global grant. Returns whether a row was removed. */
export function revokeRole(
  db: CentralDb,
  userId: string,
  role: Role,
  agentGroupId: string | null = null,
): boolean {
  let q = db.q.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '=', role);
  q =
    agentGroupId === null
      ? q.where('agent_group_id', 'is', null)
      : q.where('agent_group_id', '=', agentGroupId);
  return db.run(q).changes > 0;
}

export function isOwner(db: CentralDb, userId: string): boolean {
  return findGrant(db, userId, 'owner', null) !== undefined;
}

export function isGlobalAdmin(db: CentralDb, userId: string): boolean {
  return findGrant(db, userId, 'admin', null) !== undefined;
}

export function isAdminOf(db: CentralDb, userId: string, agentGroupId: string): boolean {
  return findGrant(db, userId, 'admin', agentGroupId) !== undefined;
}

/** Owner, global admin, or admin of this agent group. */
export function hasAdminPrivilege(db: CentralDb, userId: string, agentGroupId: string | null): boolean {
  return (
    isOwner(db, userId) ||
    isGlobalAdmin(db, userId) ||
    (agentGroupId !== null && isAdminOf(db, userId, agentGroupId))
  );
}

export function hasAnyOwner(db: CentralDb): boolean {
  return (
    db.first(db.q.selectFrom('user_roles').select('id').where('role', '=', 'owner').limit(1)) !== undefined
  );
}

function grantees(db: CentralDb, role: Role, scope: string | null): string[] {
  let q = db.q.selectFrom('user_roles').select('user_id').where('role', '=', role);
  q = scope === null ? q.where('agent_group_id', 'is', null) : q.where('agent_group_id', '=', scope);
  return db.all(q.orderBy('granted_at').orderBy('id')).map((r) => r.user_id);
}

/** In grant order. */
export const getOwners = (db: CentralDb): string[] => grantees(db, 'owner', null);
export const getGlobalAdmins = (db: CentralDb): string[] => grantees(db, 'admin', null);
export const getAdminsOf = (db: CentralDb, agentGroupId: string): string[] =>
  grantees(db, 'admin', agentGroupId);

/** Every owner/admin grant, owners first, then by user and scope. */
export function listGrants(db: CentralDb): UserRole[] {
  return db.all(
    db.q
      .selectFrom('user_roles')
      .selectAll()
      .orderBy('role', 'desc')
      .orderBy('user_id')
      .orderBy('agent_group_id'),
  );
}
