/**
 * The row shape of `pending_agent_changes` (migration 013): configuration a runner asked for, waiting for an owner
 * or admin. Part of the central DB's one schema (schema.ts CENTRAL_TABLES); kept here so the approvals code that
 * owns the table finds its vocabulary in one place.
 */
import { z } from 'zod';

export const AGENT_CHANGE_ACTIONS = ['create_agent', 'add_mcp_server', 'add_egress_host'] as const;

export const AGENT_CHANGE_STATUSES = [
  'pending',
  'unreachable',
  'approved',
  'applied',
  'rejected',
  'expired',
  'failed',
] as const;

export const PendingAgentChangeRow = z.object({
  id: z.string(),
  agent_group_id: z.string(),
  session_id: z.string(),
  message_out_id: z.string(),
  action: z.enum(AGENT_CHANGE_ACTIONS),
  /** The validated request as JSON (AgentChangeRequest). */
  payload: z.string(),
  /** The person whose message the asking turn answered (null: a task, another agent). */
  requested_by: z.string().nullable(),
  status: z.enum(AGENT_CHANGE_STATUSES),
  approver_user_id: z.string().nullable(),
  /** The approver's DM the card went to. */
  card_messaging_group_id: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  /** Where an approved change was written, or why writing it failed. */
  result: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
});
export type AgentChangeRow = z.infer<typeof PendingAgentChangeRow>;
