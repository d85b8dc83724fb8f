import type { CentralDb } from '../db/central-db.js';
import { getAdminsOf, getGlobalAdmins, getOwners } from './roles.js';

/**
 * Who should approve something for an agent group, most specific first: admins scoped to the group,
 * then global admins, then owners. Deduplicated keeping the first position; empty when nobody is privileged.
 * A null group (no agent in play yet) skips the scoped tier.
 */
export function pickApprover(db: CentralDb, agentGroupId: string | null): string[] {
  const scoped = agentGroupId === null ? [] : getAdminsOf(db, agentGroupId);
  return [...new Set([...scoped, ...getGlobalAdmins(db), ...getOwners(db)])];
}
