/**
 * Unknown senders in a request_approval chat: the message is dropped and one pending approval is kept per
 * (chat, sender) — a second message while one is pending adds nothing. Approving replays the stored message.
 */
import type { InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import { pickApprover } from '../access/pick-approver.js';

export function recordPendingSenderApproval(
  db: CentralDb,
  input: { messagingGroupId: string; agentGroupId: string; senderId: string; message: InboundMessage },
): { created: boolean; approvers: string[] } {
  const approvers = pickApprover(db, input.agentGroupId);
  const res = db.run(
    db.q
      .insertInto('pending_sender_approvals')
      .values({
        id: newId('appr'),
        messaging_group_id: input.messagingGroupId,
        agent_group_id: input.agentGroupId,
        sender_id: input.senderId,
        sender_name: input.message.senderName ?? null,
        original_message: JSON.stringify(input.message),
        approver_user_id: approvers[0] ?? null,
        created_at: nowIso(),
        status: 'pending',
        decided_by: null,
        decided_at: null,
        expires_at: null,
        card_messaging_group_id: null,
        replayed_at: null,
      })
      .onConflict((oc) => oc.columns(['messaging_group_id', 'sender_id']).doNothing()),
  );
  return { created: res.changes > 0, approvers };
}
