/**
 * Unknown senders in a request_approval chat: the message is dropped and held in one approval per (chat, sender).
 * While it is pending, or after a Deny, further messages add nothing (no second card). After it expired, could
 * not reach an approver, or was approved and the sender has lost access since, the next message renews it with
 * itself as the held message. Cards, decisions and the replay: host/approvals/. At most `maxPending` approvals
 * of one agent group wait at a time: past that, a new stranger's message is only dropped (no row, no card).
 */
import type { InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import { pendingApprovalCount } from './intake-limits.js';

/** `approvalId` is set when a card has to be sent (a new or renewed approval). */
export function recordPendingSenderApproval(
  db: CentralDb,
  input: { messagingGroupId: string; agentGroupId: string; senderId: string; message: InboundMessage },
  maxPending = Infinity,
): { approvalId: string | null; limited?: true } {
  return db.tx(() => {
    const existing = db.first(
      db.q
        .selectFrom('pending_sender_approvals')
        .select(['id', 'status'])
        .where('messaging_group_id', '=', input.messagingGroupId)
        .where('sender_id', '=', input.senderId),
    );
    const held = JSON.stringify({ ...input.message, attachments: undefined });
    if (existing?.status === 'pending' || existing?.status === 'denied') return { approvalId: null };
    if (pendingApprovalCount(db, input.agentGroupId) >= maxPending)
      return { approvalId: null, limited: true };
    if (existing) {
      db.run(
        db.q
          .updateTable('pending_sender_approvals')
          .set({
            status: 'pending',
            agent_group_id: input.agentGroupId,
            sender_name: input.message.senderName ?? null,
            original_message: held,
            created_at: nowIso(),
            decided_by: null,
            decided_at: null,
            expires_at: null,
            card_messaging_group_id: null,
            replayed_at: null,
          })
          .where('id', '=', existing.id),
      );
      return { approvalId: existing.id };
    }
    const id = newId('appr');
    db.run(
      db.q.insertInto('pending_sender_approvals').values({
        id,
        messaging_group_id: input.messagingGroupId,
        agent_group_id: input.agentGroupId,
        sender_id: input.senderId,
        sender_name: input.message.senderName ?? null,
        original_message: held,
        approver_user_id: null,
        created_at: nowIso(),
        status: 'pending',
        decided_by: null,
        decided_at: null,
        expires_at: null,
        card_messaging_group_id: null,
        replayed_at: null,
      }),
    );
    return { approvalId: id };
  });
}
