/**
 * A messages_in row with its content parsed. A row whose content does not match its kind's schema is a bug on
 * the writing side: it is reported as invalid (and acked 'failed' by the caller), never retried.
 */
import { ChatInContent, TaskInContent } from '../../protocol/messages.js';
import type { MessageIn } from '../../protocol/session-db.js';

/**
 * A task occurrence. `scriptData`: what its pre-task script gave the agent (set once the script said wakeAgent;
 * absent for a task without a script).
 */
export interface TaskMessage {
  row: MessageIn;
  kind: 'task';
  task: TaskInContent;
  scriptData?: unknown;
}

export type InboundMessage = { row: MessageIn; kind: 'chat'; chat: ChatInContent } | TaskMessage;

export interface InvalidMessage {
  row: MessageIn;
  error: string;
}

export function parseInbound(row: MessageIn): InboundMessage | InvalidMessage {
  let json: unknown;
  try {
    json = JSON.parse(row.content);
  } catch (err) {
    return { row, error: `content is not JSON: ${(err as Error).message}` };
  }
  if (row.kind === 'chat') {
    const r = ChatInContent.safeParse(json);
    return r.success ? { row, kind: 'chat', chat: r.data } : { row, error: r.error.message };
  }
  if (row.kind === 'task') {
    const r = TaskInContent.safeParse(json);
    return r.success ? { row, kind: 'task', task: r.data } : { row, error: r.error.message };
  }
  return { row, error: `kind '${row.kind}' is not a turn message` };
}

export function isInvalid(m: InboundMessage | InvalidMessage): m is InvalidMessage {
  return 'error' in m;
}

/** The text a message contributes to a turn. */
export function textOf(m: InboundMessage): string {
  return m.kind === 'chat' ? m.chat.text : m.task.prompt;
}

/** The pre-task script of a task message, or null (chat messages and tasks without one). */
export function scriptOf(m: InboundMessage): string | null {
  return m.kind === 'task' && m.task.script ? m.task.script : null;
}

export function isTrigger(m: InboundMessage): boolean {
  return m.row.trigger === 1;
}
