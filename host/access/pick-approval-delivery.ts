import type { Logger } from 'pino';
import type { ChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import type { MessagingGroup } from '../db/schema.js';
import { parseUserId } from '../db/users.js';
import { ensureUserDm } from './user-dm.js';

export interface ApprovalDelivery {
  userId: string;
  messagingGroup: MessagingGroup;
}

/**
 * The first approver (in the given order) the host can DM. Approvers on the same channel kind as the origin
 * are tried first, so an approval raised in Discord lands in a Discord DM when someone there can approve.
 * Null when nobody is reachable.
 */
export async function pickApprovalDelivery(
  db: CentralDb,
  channels: ChannelRegistry,
  approvers: readonly string[],
  originChannelType: string | null,
  log?: Logger,
): Promise<ApprovalDelivery | null> {
  const tried = new Set<string>();
  const attempt = async (userId: string): Promise<ApprovalDelivery | null> => {
    if (tried.has(userId)) return null;
    tried.add(userId);
    const mg = await ensureUserDm(db, channels, userId, log);
    return mg ? { userId, messagingGroup: mg } : null;
  };
  if (originChannelType) {
    for (const userId of approvers) {
      if (parseUserId(userId).channel !== originChannelType) continue;
      const hit = await attempt(userId);
      if (hit) return hit;
    }
  }
  for (const userId of approvers) {
    const hit = await attempt(userId);
    if (hit) return hit;
  }
  return null;
}
