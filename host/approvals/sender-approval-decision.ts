/**
 * Deciding an unknown sender's approval, in the central DB only — the same for a card click in the approver's DM
 * and for `nanoclaw approvals approve|deny` (the running host then replays the held message).
 *
 * Invariants:
 * - Only the approver the card went to, an admin of the agent group, a global admin or an owner may decide
 *   (`mayDecide`); the CLI decides as the operator of the data dir.
 * - A decision is taken once: only a 'pending' approval changes, in one transaction with its effect. Approve →
 *   the sender becomes a member of that agent group (a runtime grant, `added_by` the decider); Deny → the row
 *   stays 'denied', so later messages from that sender in that chat are dropped without a new card.
 */
import { hasAdminPrivilege } from '../access/roles.js';
import { addMember } from '../access/members.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import type { SenderApproval } from '../db/schema.js';
export type Decision = 'approve' | 'deny';

export type DecisionOutcome =
  | { kind: 'decided'; approval: SenderApproval }
  | { kind: 'not_pending'; approval: SenderApproval }
  | { kind: 'no_such_approval' };

/** Approval ids are `appr-…` (db/ids.ts newId('appr')); a card with such a question id is an approval card. */
export function isApprovalId(id: string): boolean {
  return id.startsWith('appr-');
}

export function getSenderApproval(db: CentralDb, id: string): SenderApproval | undefined {
  return db.first(db.q.selectFrom('pending_sender_approvals').selectAll().where('id', '=', id));
}

export function mayDecide(db: CentralDb, approval: SenderApproval, userId: string): boolean {
  return userId === approval.approver_user_id || hasAdminPrivilege(db, userId, approval.agent_group_id);
}

export function decideSenderApproval(
  db: CentralDb,
  d: { approvalId: string; decision: Decision; by: string },
): DecisionOutcome {
  return db.tx((): DecisionOutcome => {
    const approval = getSenderApproval(db, d.approvalId);
    if (!approval) return { kind: 'no_such_approval' };
    if (approval.status !== 'pending') return { kind: 'not_pending', approval };
    const status = d.decision === 'approve' ? 'approved' : 'denied';
    const decidedAt = nowIso();
    db.run(
      db.q
        .updateTable('pending_sender_approvals')
        .set({ status, decided_by: d.by, decided_at: decidedAt })
        .where('id', '=', approval.id),
    );
    if (d.decision === 'approve')
      addMember(db, {
        userId: approval.sender_id,
        agentGroupId: approval.agent_group_id,
        addedBy: d.by,
        displayName: approval.sender_name,
      });
    return { kind: 'decided', approval: { ...approval, status, decided_by: d.by, decided_at: decidedAt } };
  });
}
