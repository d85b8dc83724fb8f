/**
 * What travels through the session DBs, as zod schemas both sides parse with. `content` columns hold JSON
 * of these shapes; a row whose content does not parse is a bug on the writing side and is failed, not retried.
 */
import { z } from 'zod';

export const INBOUND_KINDS = ['chat', 'task', 'system'] as const;
export const INBOUND_STATUSES = ['pending', 'completed', 'failed', 'paused'] as const;
export const OUTBOUND_KINDS = ['chat', 'system'] as const;
export const ACK_STATUSES = ['processing', 'completed', 'failed'] as const;
export const DELIVERY_STATUSES = ['delivered', 'failed'] as const;

export type InboundKind = (typeof INBOUND_KINDS)[number];
export type AckStatus = (typeof ACK_STATUSES)[number];

/** A file that came with a chat message, saved by the host under the session's inbox. */
export const InboundFile = z.object({
  /** Relative to the session directory (/workspace in the runner): `inbox/<message>/<name>`. */
  path: z.string().min(1),
  name: z.string().min(1),
  mimeType: z.string().nullable(),
  size: z.number().int().min(0),
});
export type InboundFile = z.infer<typeof InboundFile>;

/** A chat message from a person (or the host on their behalf). */
export const ChatInContent = z.object({
  text: z.string(),
  attachments: z.array(InboundFile).optional(),
  /** The message this one edits (the platform's id of the original). */
  editOf: z.string().optional(),
  /** Namespaced user id (`telegram:123`), or null when the platform gave none. */
  sender: z.string().nullable(),
  senderName: z.string().nullable().optional(),
  platformMessageId: z.string().optional(),
  isMention: z.boolean().optional(),
  /**
   * Whether the sender had admin rights over the agent group when the host accepted this message. The runner's
   * command gate decides by it (falling back to NANOCLAW_ADMIN_USER_IDS for rows without it), so a promotion
   * or demotion counts from the next message even while a runner keeps running.
   */
  senderIsAdmin: z.boolean().optional(),
  /**
   * Set when another agent wrote this message (agent-to-agent; then `sender` is null and `senderIsAdmin` false: an
   * agent is never a user and never an admin). `hops`: agent-to-agent messages in the chain that led here, 1 for a
   * message an agent wrote while answering a person; the host refuses a message beyond its hop limit.
   */
  fromAgent: z
    .object({ agentGroupId: z.string(), name: z.string(), hops: z.number().int().min(1) })
    .optional(),
});
export type ChatInContent = z.infer<typeof ChatInContent>;

/** The longest pre-task script a task may carry (characters). */
export const MAX_TASK_SCRIPT = 16_000;

/**
 * A scheduled task occurrence: the prompt is given to the agent when it falls due. With a `script`, the runner runs
 * it first and wakes the agent only when the script says so (container/agent-runner/task-script.ts).
 * `scriptFailures`: failed script runs of this task in a row so far, written by the host (a row without it has none).
 */
export const TaskInContent = z.object({
  prompt: z.string(),
  script: z.string().optional(),
  scriptFailures: z.number().int().min(0).optional(),
});
export type TaskInContent = z.infer<typeof TaskInContent>;

/** Host → runner notices that are not prompts (kind 'system'): read by tools, never shown as a turn. */
export const SystemInContent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('question_response'),
    questionId: z.string(),
    value: z.string(),
    userId: z.string().nullable(),
  }),
  z.object({ type: z.literal('notice'), text: z.string() }),
]);
export type SystemInContent = z.infer<typeof SystemInContent>;

export const QuestionOption = z.object({
  label: z.string().min(1).max(80),
  value: z.string().min(1).max(100),
});

/** An agent's chat output. `question` turns it into a card with buttons (ask_user_question). */
const ChatOutContent = z.object({
  text: z.string(),
  /** Files to upload with the message, relative to the session's outbox directory. */
  files: z.array(z.string().min(1).max(255)).max(10).optional(),
  question: z
    .object({
      questionId: z.string(),
      title: z.string(),
      options: z.array(QuestionOption).min(1).max(10),
    })
    .optional(),
});

/**
 * An agent's change to a message already in the chat (a messages_out row of kind 'chat' with `op`): edit a
 * message it sent, or react to any message. `messageId` is a messages_in id (as the prompt shows it) or a
 * messages_out id (as send_message returns it) of the same session.
 */
export const ChatOpContent = z.discriminatedUnion('op', [
  z.object({ op: z.literal('edit'), messageId: z.string().min(1).max(300), text: z.string().min(1) }),
  z.object({
    op: z.literal('reaction'),
    messageId: z.string().min(1).max(300),
    emoji: z.string().min(1).max(32),
  }),
]);
export type ChatOpContent = z.infer<typeof ChatOpContent>;

/** Any content of an outbound chat row: an operation when it has `op`, else a message. */
export const OutboundChatContent = z.union([
  ChatOpContent,
  ChatOutContent.extend({ op: z.undefined().optional() }),
]);
export type OutboundChatContent = z.infer<typeof OutboundChatContent>;

export function isChatOp(c: OutboundChatContent): c is ChatOpContent {
  return c.op !== undefined;
}

const cron = z.string().min(1).max(200);
const script = z.string().max(MAX_TASK_SCRIPT);
/** The longest reason a runner may give for a failed script (characters). */
export const MAX_SCRIPT_ERROR = 500;
const isoTime = z.iso.datetime({ offset: true });
/** An agent group's name is an object name (a DNS label of at most 63 characters). */
export const AGENT_NAME_MAX = 63;
/** The longest instructions create_agent takes (the AgentGroup's spec.instructions limit). */
export const MAX_AGENT_INSTRUCTIONS = 65536;

/** Runner → host requests applied by the host to inbound.db (the runner never writes it). */
export const SystemAction = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('schedule_task'),
    taskId: z.string().min(1),
    prompt: z.string().min(1),
    processAfter: isoTime,
    recurrence: cron.nullable().optional(),
    script: script.optional(),
  }),
  z.object({ action: z.literal('cancel_task'), taskId: z.string().min(1) }),
  z.object({ action: z.literal('pause_task'), taskId: z.string().min(1) }),
  z.object({ action: z.literal('resume_task'), taskId: z.string().min(1) }),
  z.object({
    action: z.literal('update_task'),
    taskId: z.string().min(1),
    prompt: z.string().min(1).optional(),
    processAfter: isoTime.optional(),
    /** A cron string, or null to stop recurring. */
    recurrence: cron.nullable().optional(),
    /** A script, or null to remove it. */
    script: script.nullable().optional(),
  }),
  /**
   * The pre-task script of task row `taskId` (an occurrence's row id, not the series) failed. The runner keeps its
   * claim on the row until the host has recorded this action; the host decides the back-off or the pause.
   */
  z.object({
    action: z.literal('task_script_failed'),
    taskId: z.string().min(1).max(300),
    error: z.string().max(MAX_SCRIPT_ERROR),
  }),
  /**
   * Requests that change configuration (a new agent group; an MCP server or an egress host for the runner's own
   * group). The host never applies them on the runner's word: it validates them like a manifest and sends an
   * approval card to an owner or admin; only an approval writes them (an AgentGroup object or manifest file).
   */
  z.object({
    action: z.literal('create_agent'),
    name: z.string().min(1).max(AGENT_NAME_MAX),
    instructions: z.string().max(MAX_AGENT_INSTRUCTIONS).optional(),
  }),
  z.object({
    action: z.literal('add_mcp_server'),
    name: z.string().min(1).max(64),
    command: z.string().min(1).max(512),
    args: z.array(z.string().max(1024)).max(32).optional(),
    env: z.record(z.string().max(128), z.string().max(1024)).optional(),
  }),
  z.object({
    action: z.literal('add_egress_host'),
    /** A host name the agent group's runners may reach through the egress proxy (exact, never a wildcard). */
    name: z.string().min(1).max(253),
    ports: z.array(z.number().int().min(1).max(65535)).min(1).max(16).optional(),
  }),
]);
export type SystemAction = z.infer<typeof SystemAction>;
/** The system actions about scheduled tasks (every one names a task). */
export type TaskAction = Extract<SystemAction, { taskId: string }>;
/** The system actions that ask for a configuration change (approved on a card first). */
export type AgentChangeAction = Exclude<SystemAction, TaskAction>;
