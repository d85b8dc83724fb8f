/**
 * Caps on what strangers can make the host store: chats the host has only seen (a mention or DM in a chat no
 * agent serves), requests waiting for an owner or admin (sender approvals per agent group, chat registrations),
 * and the drop audit itself.
 *
 * Invariants:
 * - A capped stranger's message is still dropped and counted; it only stops creating rows (a chat, a card, a
 *   drop record) once the cap is reached, so a flood of new accounts or chats grows nothing without bound.
 * - Counting is cheap because it only happens on the paths that would add a row, and every count is bounded by
 *   its own cap.
 */
import type { CentralDb } from '../db/central-db.js';

export interface IntakeLimits {
  /** Chats seen at run time that no agent is wired to. */
  maxUnwiredChats: number;
  /** Sender approvals pending per agent group, and chat registrations pending in all. */
  maxPendingRequests: number;
}

/** Drop records kept (one per chat, sender and reason); the least recently seen go first. */
export const MAX_DROP_RECORDS = 10_000;

export function unwiredChatCount(db: CentralDb): number {
  const row = db.raw
    .prepare(
      `SELECT count(*) AS n FROM messaging_groups mg WHERE mg.source = 'runtime'
         AND NOT EXISTS (SELECT 1 FROM messaging_group_agents w WHERE w.messaging_group_id = mg.id)`,
    )
    .get() as { n: number };
  return row.n;
}

export function pendingApprovalCount(db: CentralDb, agentGroupId: string): number {
  const row = db.first(
    db.q
      .selectFrom('pending_sender_approvals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_group_id', '=', agentGroupId)
      .where('status', '=', 'pending'),
  );
  return row?.n ?? 0;
}

export function pendingRegistrationCount(db: CentralDb): number {
  const row = db.first(
    db.q
      .selectFrom('pending_channel_registrations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending'),
  );
  return row?.n ?? 0;
}
