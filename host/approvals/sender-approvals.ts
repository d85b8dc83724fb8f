/**
 * Unknown senders in `request_approval` chats, end to end: the held message's card goes to an approver's DM,
 * a click (or `nanoclaw approvals approve|deny`) decides, an approval replays the held message, and pending
 * approvals expire.
 *
 * Invariants:
 * - The card goes only into an approver's DM (pickApprover: scoped admins → global admins → owners;
 *   pickApprovalDelivery: the first one reachable, the origin's platform first), never into the origin chat.
 *   Nobody reachable → the approval is 'unreachable' and the drop is audited with reason
 *   `no_approver_reachable`.
 * - Everything is in the central DB (pending_sender_approvals, host_messages): a restart loses no approval; a
 *   card that was never sent is sent at start-up; a click on a card from before the restart still decides.
 * - The held message is replayed exactly once in effect: it is routed again after the approval and marked
 *   `replayed_at`; a second routing (a crash in between) writes the same inbound row id, so nothing doubles.
 * - Every decision, refusal and expiry is logged with who and which approval (the audit); the approver is told
 *   the outcome in the DM.
 */
import type { Logger } from 'pino';
import { CardFlow } from './card-flow.js';
import { pickApprover } from '../access/pick-approver.js';
import type { ChannelRegistry, ClickOutcome, InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { SenderApproval } from '../db/schema.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';
import {
  decideSenderApproval,
  getSenderApproval,
  mayDecide,
  type Decision,
} from './sender-approval-decision.js';

const OPTIONS = [
  { label: 'Approve', value: 'approve' },
  { label: 'Deny', value: 'deny' },
] as const;
const QUOTE_MAX = 500;

export interface SenderApprovalsDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  send(m: HostMessageInput): Promise<unknown>;
  log: Logger;
  ttlMs: number;
}

function describeSender(a: SenderApproval): string {
  return a.sender_name ? `${a.sender_name} (${a.sender_id})` : a.sender_id;
}

export class SenderApprovals extends CardFlow {
  /** Approvals whose card is being sent by this process (so the tick does not send a second one). */
  private readonly requesting = new Set<string>();

  constructor(private readonly d: SenderApprovalsDeps) {
    super(d);
  }

  /** A new (or renewed) pending approval: find an approver the host can reach and send them the card. */
  async request(approvalId: string): Promise<void> {
    if (this.requesting.has(approvalId)) return;
    this.requesting.add(approvalId);
    try {
      await this.requestApproval(approvalId);
    } finally {
      this.requesting.delete(approvalId);
    }
  }

  private async requestApproval(approvalId: string): Promise<void> {
    const { db, log } = this.d;
    const a = getSenderApproval(db, approvalId);
    if (!a || a.status !== 'pending') return;
    const chat = getMessagingGroup(db, a.messaging_group_id);
    const group = getAgentGroup(db, a.agent_group_id);
    if (!chat || !group) return;
    const ctx = { approvalId: a.id, agentGroup: a.agent_group_id, sender: a.sender_id };
    const target = await this.approverDm(pickApprover(db, a.agent_group_id), {
      chat,
      senderId: a.sender_id,
      senderName: a.sender_name,
      agentGroupId: a.agent_group_id,
    });
    if (!target) {
      db.run(
        db.q.updateTable('pending_sender_approvals').set({ status: 'unreachable' }).where('id', '=', a.id),
      );
      log.warn(ctx, 'no approver can be reached; the message stays dropped');
      return;
    }
    const held = JSON.parse(a.original_message) as { text?: unknown };
    const text = typeof held.text === 'string' ? held.text : '';
    const quote = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
    const where = chat.name
      ? `${chat.name} (${chat.channel_type} ${chat.platform_id})`
      : `${chat.channel_type} ${chat.platform_id}`;
    db.run(
      db.q
        .updateTable('pending_sender_approvals')
        .set({
          approver_user_id: target.userId,
          card_messaging_group_id: target.messagingGroup.id,
          expires_at: new Date(Date.now() + this.d.ttlMs).toISOString(),
        })
        .where('id', '=', a.id),
    );
    await this.sendCard(
      target,
      `Access request: ${describeSender(a)} wrote in ${where} to ${group.name}:\n\n> ${quote}\n\n` +
        `Approve to make them a member of ${group.name} (the message is then answered); Deny to ignore them there.`,
      { questionId: a.id, title: 'Access request', options: [...OPTIONS] },
    );
    log.info({ ...ctx, approver: target.userId }, 'approval card sent to the approver');
  }

  /** A click on an approval card by `userId` (the platform's verified id of the clicker). */
  async click(
    q: { questionId: string; choice: { value: string } | { index: number } },
    userId: string,
  ): Promise<ClickOutcome> {
    const { db, log } = this.d;
    const a = getSenderApproval(db, q.questionId);
    if (!a) return 'no_such_question';
    const value = 'index' in q.choice ? OPTIONS[q.choice.index]?.value : q.choice.value;
    if (value !== 'approve' && value !== 'deny') return 'no_such_question';
    if (!mayDecide(db, a, userId)) {
      log.warn({ approvalId: a.id, clicker: userId }, 'approval click refused: not the approver or an admin');
      return 'not_yours';
    }
    return (await this.decide(a.id, value, userId)) ? 'answered' : 'no_such_question';
  }

  /** Decides (from a click), tells the approver and replays on approval. False when it was not pending. */
  async decide(approvalId: string, decision: Decision, by: string): Promise<boolean> {
    const { db, log } = this.d;
    const outcome = decideSenderApproval(db, { approvalId, decision, by });
    if (outcome.kind !== 'decided') return false;
    const a = outcome.approval;
    log.info(
      { approvalId, decision, by, sender: a.sender_id, agentGroup: a.agent_group_id },
      'approval decided',
    );
    const group = getAgentGroup(db, a.agent_group_id)?.name ?? a.agent_group_id;
    await this.tellCardChat(
      a.card_messaging_group_id,
      decision === 'approve'
        ? `Approved: ${describeSender(a)} is now a member of ${group}.`
        : `Denied: messages from ${describeSender(a)} in that chat will be ignored.`,
      'approval',
    );
    if (decision === 'approve') await this.replay(a);
    return true;
  }

  /** Sends unsent cards, expires overdue approvals and replays approvals decided elsewhere (the CLI). */
  async tick(): Promise<void> {
    const { db, log } = this.d;
    try {
      const unsent = db.all(
        db.q
          .selectFrom('pending_sender_approvals')
          .select('id')
          .where('status', '=', 'pending')
          .where('card_messaging_group_id', 'is', null),
      );
      for (const { id } of unsent) await this.request(id);
      const overdue = db.all(
        db.q
          .selectFrom('pending_sender_approvals')
          .selectAll()
          .where('status', '=', 'pending')
          .where('expires_at', '<', nowIso()),
      );
      for (const a of overdue) {
        db.run(
          db.q.updateTable('pending_sender_approvals').set({ status: 'expired' }).where('id', '=', a.id),
        );
        log.info({ approvalId: a.id, sender: a.sender_id }, 'approval expired');
        await this.tellCardChat(
          a.card_messaging_group_id,
          `The access request from ${describeSender(a)} expired without a decision. They can write again to ask anew.`,
          'notice',
        );
      }
      const approved = db.all(
        db.q
          .selectFrom('pending_sender_approvals')
          .selectAll()
          .where('status', '=', 'approved')
          .where('replayed_at', 'is', null),
      );
      for (const a of approved) await this.replay(a);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'approval sweep failed');
    }
  }

  private async replay(a: SenderApproval): Promise<void> {
    const { db, log } = this.d;
    if (!this.route) return; // not started: the tick after start replays it
    const msg = JSON.parse(a.original_message) as InboundMessage;
    await this.route(msg);
    db.run(
      db.q.updateTable('pending_sender_approvals').set({ replayed_at: nowIso() }).where('id', '=', a.id),
    );
    log.info({ approvalId: a.id, messageId: msg.messageId }, 'held message replayed after approval');
  }
}
