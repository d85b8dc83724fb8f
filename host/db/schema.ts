/**
 * Central DB row shapes: the zod schemas below are the one source of truth for the TypeScript table types.
 * The migrations are frozen SQL; `schema.test.ts` fails if a migrated table's columns or CHECK-enforced enums
 * drift from what is declared here.
 */
import type { Generated } from 'kysely';
import { z } from 'zod';

import { MCP_SERVER_STATES } from '../../protocol/mcp.js';
import { PendingAgentChangeRow } from './agent-change-row.js';
import {
  DESTINATION_TARGET_TYPES,
  ENGAGE_MODES,
  HOST_MESSAGE_KINDS,
  IGNORED_MESSAGE_POLICIES,
  PROVIDERS,
  ROLES,
  ROW_SOURCES,
  SENDER_SCOPES,
  SESSION_MODES,
  UNKNOWN_SENDER_POLICIES,
} from '../../protocol/vocabulary.js';

const iso = z.string();
const provenance = {
  source: z.enum(ROW_SOURCES),
  source_uid: z.string().nullable(),
  source_generation: z.number().int().nullable(),
};

const AgentGroupRow = z.object({
  id: z.string(),
  name: z.string(),
  folder: z.string(),
  agent_provider: z.enum(PROVIDERS),
  model: z.string().nullable(),
  instructions: z.string().nullable(),
  container_config: z.string(),
  ...provenance,
  created_at: iso,
  updated_at: iso,
  /** Tokens a calendar month (UTC) may use; NULL: no budget. */
  budget_monthly_tokens: z.number().int().positive().nullable(),
});

const MessagingGroupRow = z.object({
  id: z.string(),
  channel_type: z.string(),
  platform_id: z.string(),
  name: z.string().nullable(),
  is_group: z.number().int(),
  unknown_sender_policy: z.enum(UNKNOWN_SENDER_POLICIES),
  denied_at: iso.nullable(),
  ...provenance,
  created_at: iso,
  updated_at: iso,
});

const WiringRow = z.object({
  id: z.string(),
  messaging_group_id: z.string(),
  agent_group_id: z.string(),
  engage_mode: z.enum(ENGAGE_MODES),
  engage_pattern: z.string().nullable(),
  sender_scope: z.enum(SENDER_SCOPES),
  ignored_messages: z.enum(IGNORED_MESSAGE_POLICIES),
  session_mode: z.enum(SESSION_MODES),
  priority: z.number().int(),
  ...provenance,
  created_at: iso,
  updated_at: iso,
});

const AgentDestinationRow = z.object({
  agent_group_id: z.string(),
  local_name: z.string(),
  target_type: z.enum(DESTINATION_TARGET_TYPES),
  target_id: z.string(),
  ...provenance,
  created_at: iso,
});

const UserRow = z.object({
  id: z.string(),
  kind: z.string(),
  display_name: z.string().nullable(),
  created_at: iso,
  updated_at: iso,
});

const UserRoleRow = z.object({
  id: z.number().int(),
  user_id: z.string(),
  role: z.enum(ROLES),
  agent_group_id: z.string().nullable(),
  granted_by: z.string().nullable(),
  granted_at: iso,
  ...provenance,
});

const MemberRow = z.object({
  user_id: z.string(),
  agent_group_id: z.string(),
  added_by: z.string().nullable(),
  added_at: iso,
  ...provenance,
});

const UserDmRow = z.object({
  user_id: z.string(),
  channel_type: z.string(),
  messaging_group_id: z.string(),
  resolved_at: iso,
});

const SessionRow = z.object({
  id: z.string(),
  agent_group_id: z.string(),
  messaging_group_id: z.string().nullable(),
  thread_id: z.string().nullable(),
  session_mode: z.enum(SESSION_MODES),
  status: z.enum(['active', 'closed']),
  runner_token_hash: z.string().nullable(),
  next_wake_at: iso.nullable(),
  last_active: iso,
  created_at: iso,
  /** Set on an agent-to-agent session (migration 010): the session whose messages it answers. */
  peer_session_id: z.string().nullable(),
});

/** A session of a removed agent group (migration 007): restored when the group returns with the same id and folder. */
const ArchivedSessionRow = z.object({
  id: z.string(),
  agent_group_id: z.string(),
  folder: z.string(),
  messaging_group_id: z.string().nullable(),
  thread_id: z.string().nullable(),
  session_mode: z.enum(SESSION_MODES),
  status: z.enum(['active', 'closed']),
  last_active: iso,
  created_at: iso,
  archived_at: iso,
  /** The session's directory in the archive, relative to the data dir. */
  archive_dir: z.string().nullable(),
});

const DroppedMessageRow = z.object({
  channel_type: z.string(),
  platform_id: z.string(),
  user_id: z.string(),
  reason: z.string(),
  messaging_group_id: z.string().nullable(),
  agent_group_id: z.string().nullable(),
  sender_name: z.string().nullable(),
  message_count: z.number().int(),
  first_seen: iso,
  last_seen: iso,
});

export const SENDER_APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'unreachable'] as const;

const PendingSenderApprovalRow = z.object({
  id: z.string(),
  messaging_group_id: z.string(),
  agent_group_id: z.string(),
  sender_id: z.string(),
  sender_name: z.string().nullable(),
  original_message: z.string(),
  approver_user_id: z.string().nullable(),
  created_at: iso,
  status: z.enum(SENDER_APPROVAL_STATUSES),
  decided_by: z.string().nullable(),
  decided_at: iso.nullable(),
  expires_at: iso.nullable(),
  /** The approver's DM the card went to. */
  card_messaging_group_id: z.string().nullable(),
  /** When the held message was routed again after an approval (at most once). */
  replayed_at: iso.nullable(),
});

export const REGISTRATION_STATUSES = [
  'pending',
  'unreachable',
  'connected',
  'created',
  'rejected',
  'expired',
  'failed',
] as const;

const PendingChannelRegistrationRow = z.object({
  id: z.string(),
  messaging_group_id: z.string(),
  sender_id: z.string().nullable(),
  sender_name: z.string().nullable(),
  /** The InboundMessage that asked, as JSON: answered once the chat is wired. */
  original_message: z.string(),
  status: z.enum(REGISTRATION_STATUSES),
  /** The card's buttons as sent (JSON RegistrationOption[]). */
  options: z.string(),
  approver_user_id: z.string().nullable(),
  /** The approver's DM the card went to. */
  card_messaging_group_id: z.string().nullable(),
  /** The agent group the chat was connected to (existing or created). */
  agent_group_id: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_at: iso.nullable(),
  /** Why writing the decision's configuration failed (status 'failed'). */
  error: z.string().nullable(),
  created_at: iso,
  expires_at: iso,
  replayed_at: iso.nullable(),
});

const WakeRequestRow = z.object({
  session_id: z.string(),
  reason: z.string(),
  requested_at: iso,
});

const PendingQuestionRow = z.object({
  question_id: z.string(),
  session_id: z.string(),
  message_out_id: z.string(),
  channel_type: z.string(),
  platform_id: z.string(),
  thread_id: z.string().nullable(),
  title: z.string(),
  options: z.string(),
  created_at: iso,
  /** The user the card was asked of; null when the agent asked on its own. */
  asked_of: z.string().nullable(),
});

export const HOST_MESSAGE_STATUSES = ['pending', 'delivered', 'failed'] as const;

const HostMessageRow = z.object({
  id: z.string(),
  kind: z.enum(HOST_MESSAGE_KINDS),
  channel_type: z.string(),
  platform_id: z.string(),
  thread_id: z.string().nullable(),
  text: z.string(),
  in_reply_to: z.string().nullable(),
  status: z.enum(HOST_MESSAGE_STATUSES),
  attempts: z.number().int(),
  platform_message_id: z.string().nullable(),
  error: z.string().nullable(),
  created_at: iso,
  finished_at: iso.nullable(),
  /** Buttons of an approval card (JSON QuestionCard), sent with the text. */
  card: z.string().nullable(),
});

export const WEB_CREDENTIAL_KINDS = ['token', 'session', 'sign_in'] as const;

const WebCredentialRow = z.object({
  id: z.string(),
  kind: z.enum(WEB_CREDENTIAL_KINDS),
  user_id: z.string(),
  secret_hash: z.string(),
  label: z.string().nullable(),
  created_at: iso,
  expires_at: iso.nullable(),
});

const PairingCodeRow = z.object({
  id: z.string(),
  channel_type: z.string(),
  code_hash: z.string(),
  /** The agent group the paired DM is wired to, if the code named one. */
  agent_group_id: z.string().nullable(),
  created_at: iso,
  expires_at: iso,
  wrong_guesses: z.number().int(),
  used_at: iso.nullable(),
  used_by: z.string().nullable(),
});

export const WEB_AUTHOR_KINDS = ['agent', 'host', 'user'] as const;
export const WEB_EVENT_LEVELS = ['info', 'error'] as const;

/** A message shown in a web chat; `id` is its SSE event id. */
const WebEventRow = z.object({
  id: z.number().int(),
  chat: z.string(),
  thread: z.string().nullable(),
  message_id: z.string(),
  author_kind: z.enum(WEB_AUTHOR_KINDS),
  author_name: z.string(),
  agent_group_id: z.string().nullable(),
  level: z.enum(WEB_EVENT_LEVELS),
  text: z.string(),
  in_reply_to: z.string().nullable(),
  /** The question card (JSON {questionId, title, options}). */
  question: z.string().nullable(),
  created_at: iso,
});

const WebIdempotencyKeyRow = z.object({
  user_id: z.string(),
  key: z.string(),
  /** The 202 answer (JSON MessageAccepted) a retry gets back. */
  answer: z.string(),
  created_at: iso,
});

/** The newest runner report about one of an agent group's own MCP servers (migration 009). */
const McpServerStatusRow = z.object({
  agent_group_id: z.string(),
  server_name: z.string(),
  state: z.enum(MCP_SERVER_STATES),
  tools: z.number().int(),
  error: z.string().nullable(),
  session_id: z.string(),
  reported_at: iso,
});

const ModelUsageRow = z.object({
  agent_group_id: z.string(),
  period: z.string(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_read_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
  calls: z.number().int(),
  notice_sent_at: iso.nullable(),
  updated_at: iso,
});

const MigrationRow = z.object({
  id: z.number().int(),
  name: z.string(),
  applied_at: iso,
});

/** Every table of the central DB, keyed by table name. Later migrations extend this map. */
export const CENTRAL_TABLES = {
  schema_migrations: MigrationRow,
  agent_groups: AgentGroupRow,
  messaging_groups: MessagingGroupRow,
  messaging_group_agents: WiringRow,
  agent_destinations: AgentDestinationRow,
  users: UserRow,
  user_roles: UserRoleRow,
  agent_group_members: MemberRow,
  user_dms: UserDmRow,
  sessions: SessionRow,
  dropped_messages: DroppedMessageRow,
  pending_sender_approvals: PendingSenderApprovalRow,
  pending_questions: PendingQuestionRow,
  host_messages: HostMessageRow,
  web_credentials: WebCredentialRow,
  pairing_codes: PairingCodeRow,
  wake_requests: WakeRequestRow,
  pending_channel_registrations: PendingChannelRegistrationRow,
  archived_sessions: ArchivedSessionRow,
  web_events: WebEventRow,
  web_idempotency_keys: WebIdempotencyKeyRow,
  mcp_server_status: McpServerStatusRow,
  model_usage: ModelUsageRow,
  pending_agent_changes: PendingAgentChangeRow,
} as const;

type Rows<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.infer<T[K]> };
/** Kysely's view: the row types, with SQLite-assigned integer keys marked as generated. */
export type CentralSchema = Omit<Rows<typeof CENTRAL_TABLES>, 'user_roles' | 'web_events'> & {
  user_roles: Omit<z.infer<typeof UserRoleRow>, 'id'> & { id: Generated<number> };
  web_events: Omit<z.infer<typeof WebEventRow>, 'id'> & { id: Generated<number> };
};

export type AgentGroup = z.infer<typeof AgentGroupRow>;
export type ModelUsageRow = z.infer<typeof ModelUsageRow>;
export type SenderApproval = z.infer<typeof PendingSenderApprovalRow>;
export type ChannelRegistration = z.infer<typeof PendingChannelRegistrationRow>;
export type MessagingGroup = z.infer<typeof MessagingGroupRow>;
export type Wiring = z.infer<typeof WiringRow>;
export type AgentDestination = z.infer<typeof AgentDestinationRow>;
export type User = z.infer<typeof UserRow>;
export type UserRole = z.infer<typeof UserRoleRow>;
export type HostMessage = z.infer<typeof HostMessageRow>;
export type WebCredential = z.infer<typeof WebCredentialRow>;
export type Session = z.infer<typeof SessionRow>;
export type ArchivedSession = z.infer<typeof ArchivedSessionRow>;
export type WebEventRecord = z.infer<typeof WebEventRow>;
export type McpServerStatus = z.infer<typeof McpServerStatusRow>;
