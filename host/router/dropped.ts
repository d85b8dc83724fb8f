/**
 * The audit of inbound messages that reached no agent, counted per (chat, sender, reason). At most
 * MAX_DROP_RECORDS records are kept: a new one beyond that pushes out the least recently seen. A repeat of an
 * existing record only counts (one upsert, no pruning scan): a flood from one sender costs one statement each.
 * Agent-to-agent refusals (reasons `a2a_*`, host/delivery/agent-route-plan.ts) are recorded here too: channel
 * 'agent', platform id = the target agent group, sender = the sending agent group's id (never a user id).
 */
import type { AgentRefusal } from '../delivery/agent-route-plan.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { MAX_DROP_RECORDS } from './intake-limits.js';

export type DropReason =
  | 'no_agent_wired'
  | 'no_agent_engaged'
  | 'unknown_sender_strict'
  | 'unknown_sender_request_approval'
  | 'sender_scope'
  | 'denied_chat'
  /** The platform gave no user id for the sender (a channel post, an anonymous admin): nobody to admit. */
  | 'no_sender_identity'
  /** request_approval, but no approver could be reached to decide. */
  | 'no_approver_reachable'
  | AgentRefusal;

export interface DropRecord {
  channelType: string;
  platformId: string;
  userId: string | null;
  senderName?: string | null;
  reason: DropReason;
  messagingGroupId?: string | null;
  agentGroupId?: string | null;
}

export function recordDrop(db: CentralDb, d: DropRecord, maxRecords = MAX_DROP_RECORDS): void {
  const now = nowIso();
  const row = db.first(
    db.q
      .insertInto('dropped_messages')
      .values({
        channel_type: d.channelType,
        platform_id: d.platformId,
        user_id: d.userId ?? '',
        reason: d.reason,
        messaging_group_id: d.messagingGroupId ?? null,
        agent_group_id: d.agentGroupId ?? null,
        sender_name: d.senderName ?? null,
        message_count: 1,
        first_seen: now,
        last_seen: now,
      })
      .onConflict((oc) =>
        oc.columns(['channel_type', 'platform_id', 'user_id', 'reason']).doUpdateSet((eb) => ({
          message_count: eb('dropped_messages.message_count', '+', 1),
          last_seen: now,
          agent_group_id: d.agentGroupId ?? null,
        })),
      )
      .returning('message_count'),
  );
  if (row?.message_count !== 1) return;
  db.raw
    .prepare(
      `DELETE FROM dropped_messages WHERE rowid IN (SELECT rowid FROM dropped_messages ORDER BY last_seen
         LIMIT max(0, (SELECT count(*) FROM dropped_messages) - ?))`,
    )
    .run(maxRecords);
}
