/**
 * The runner's slash-command gate — defence in depth behind the host's own gate.
 *
 * Invariants:
 * - Only triggering rows of kind 'chat' are commands; a task prompt or accumulated context starting with '/'
 *   is ordinary text.
 * - An admin-only command reaches the provider only from an admin: the host's verdict stamped on the message
 *   when it was accepted (`senderIsAdmin`, current for every message), or for rows without it, a namespaced
 *   user id in NANOCLAW_ADMIN_USER_IDS. A null sender is never an admin.
 * - Filtered commands and the host-answered ones are acknowledged without a reply or a provider call.
 * - Unknown '/x' text is not a command here: it goes to the provider as ordinary text.
 * - /stop is a command: while a turn runs, the turn's watch (turn-watch.ts) takes it, and `mayStop` decides;
 *   as a turn of its own nothing is running, so it is answered "Nothing is running.".
 */
import {
  ADMIN_COMMANDS,
  FILTERED_COMMANDS,
  HOST_ANSWERED_COMMANDS,
  NOTHING_RUNNING_REPLY,
  STOP_COMMAND,
  slashCommandOf,
} from '../../protocol/commands.js';
import type { InboundMessage } from './inbound-message.js';

export type GateDecision =
  | { action: 'none' }
  | { action: 'drop'; command: string; why: 'filtered' | 'host-answered' }
  | { action: 'deny'; command: string; reply: string }
  | { action: 'clear'; command: string; reply: string }
  | { action: 'idle-stop'; command: string; reply: string }
  | { action: 'provider'; command: string };

const ADMIN = new Set<string>(ADMIN_COMMANDS);
const FILTERED = new Set<string>(FILTERED_COMMANDS);
const HOST_ANSWERED = new Set<string>(HOST_ANSWERED_COMMANDS);

const SESSION_CLEARED_REPLY = 'Session cleared.';

export function permissionDeniedReply(command: string): string {
  return `Permission denied: ${command} requires admin access.`;
}

/** The gated command a message carries, or null when it is not one (see the invariants). */
export function gatedCommandOf(m: InboundMessage): string | null {
  if (m.kind !== 'chat' || m.row.trigger !== 1) return null;
  const cmd = slashCommandOf(m.chat.text);
  if (!cmd) return null;
  return ADMIN.has(cmd) || FILTERED.has(cmd) || HOST_ANSWERED.has(cmd) || cmd === STOP_COMMAND ? cmd : null;
}

/** Whether the message's sender is an admin: the host's stamp, else NANOCLAW_ADMIN_USER_IDS; never a null sender. */
function isAdminSender(m: InboundMessage, adminUserIds: ReadonlySet<string>): boolean {
  if (m.kind !== 'chat') return false;
  const sender = m.chat.sender;
  return sender !== null && (m.chat.senderIsAdmin ?? adminUserIds.has(sender));
}

/** Whether `stop` (a /stop row) may interrupt a turn answering messages from `turnSenders`. */
export function mayStop(
  stop: InboundMessage,
  turnSenders: ReadonlySet<string>,
  adminUserIds: ReadonlySet<string>,
): boolean {
  if (stop.kind !== 'chat' || stop.chat.sender === null) return false;
  return isAdminSender(stop, adminUserIds) || turnSenders.has(stop.chat.sender);
}

export function decide(m: InboundMessage, adminUserIds: ReadonlySet<string>): GateDecision {
  const command = gatedCommandOf(m);
  if (!command || m.kind !== 'chat') return { action: 'none' };
  if (FILTERED.has(command)) return { action: 'drop', command, why: 'filtered' };
  if (HOST_ANSWERED.has(command)) return { action: 'drop', command, why: 'host-answered' };
  if (command === STOP_COMMAND) return { action: 'idle-stop', command, reply: NOTHING_RUNNING_REPLY };
  if (!isAdminSender(m, adminUserIds)) {
    return { action: 'deny', command, reply: permissionDeniedReply(command) };
  }
  if (command === '/clear') return { action: 'clear', command, reply: SESSION_CLEARED_REPLY };
  return { action: 'provider', command };
}
