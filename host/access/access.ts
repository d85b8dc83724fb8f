/**
 * Who may talk to an agent group. First match wins:
 *   1. no users row           → deny  unknown_user
 *   2. owner                  → allow owner
 *   3. global admin           → allow global_admin
 *   4. admin of this group    → allow admin_of_group
 *   5. member of this group   → allow member
 *   6. otherwise              → deny  not_member
 */
import type { CentralDb } from '../db/central-db.js';
import { getUser } from '../db/users.js';
import { hasMemberRow } from './members.js';
import { getAdminsOf, getGlobalAdmins, getOwners, isAdminOf, isGlobalAdmin, isOwner } from './roles.js';

export type AccessDecision =
  | { allowed: true; reason: 'owner' | 'global_admin' | 'admin_of_group' | 'member' }
  | { allowed: false; reason: 'unknown_user' | 'not_member' };

export function canAccessAgentGroup(db: CentralDb, userId: string, agentGroupId: string): AccessDecision {
  if (!getUser(db, userId)) return { allowed: false, reason: 'unknown_user' };
  if (isOwner(db, userId)) return { allowed: true, reason: 'owner' };
  if (isGlobalAdmin(db, userId)) return { allowed: true, reason: 'global_admin' };
  if (isAdminOf(db, userId, agentGroupId)) return { allowed: true, reason: 'admin_of_group' };
  if (hasMemberRow(db, userId, agentGroupId)) return { allowed: true, reason: 'member' };
  return { allowed: false, reason: 'not_member' };
}

/**
 * Everyone with admin power over an agent group — owners, global admins and admins scoped to it —
 * deduplicated and sorted. This is the runner's NANOCLAW_ADMIN_USER_IDS.
 */
export function adminUserIdsFor(db: CentralDb, agentGroupId: string): string[] {
  return [...new Set([...getOwners(db), ...getGlobalAdmins(db), ...getAdminsOf(db, agentGroupId)])].sort();
}
