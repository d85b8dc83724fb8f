/**
 * Which eligible rows make the next turn. Pure: the rows come from InboundReader.eligible (oldest first).
 *
 * Rules:
 * - Nothing happens until at least one row has trigger=1; trigger=0 rows are accumulated context that rides
 *   along with the next triggering batch.
 * - A gated slash command (see command-gate.ts) is a turn of its own: when the first trigger is one, the turn is
 *   that row alone and the context before it stays pending for the next turn; otherwise the batch stops before
 *   the first command. So is a task with a pre-task script (its script decides whether the agent runs at all).
 * - A turn has at most `maxBatch` rows: up to maxBatch-1 context rows before the first trigger (the newest
 *   ones), the trigger, then following rows in seq order. Older context beyond that is `skipped` (acked
 *   completed unseen) so it can never stall the queue; so is the oldest context when a full window holds no
 *   trigger at all.
 * - One turn answers one conversation: rows after the trigger join it only while they share its reply address
 *   (channel, chat, thread). In an agent-shared session, a message from another chat starts the next turn, so
 *   every chat gets its own reply.
 * - Rows whose content does not parse are `invalid` (acked failed), and take no part in the rules above.
 */
import { gatedCommandOf } from './command-gate.js';
import {
  isInvalid,
  isTrigger,
  parseInbound,
  scriptOf,
  type InboundMessage,
  type InvalidMessage,
  type TaskMessage,
} from './inbound-message.js';
import type { MessageIn } from '../../protocol/session-db.js';

export type Turn =
  | { type: 'messages'; messages: InboundMessage[] }
  | { type: 'command'; message: InboundMessage; command: string }
  | { type: 'script'; message: TaskMessage; script: string };

export interface BatchPlan {
  turn: Turn | null;
  skipped: InboundMessage[];
  invalid: InvalidMessage[];
}

export function planBatch(rows: MessageIn[], opts: { maxBatch: number; windowFull: boolean }): BatchPlan {
  const max = Math.max(1, opts.maxBatch);
  const valid: InboundMessage[] = [];
  const invalid: InvalidMessage[] = [];
  for (const row of [...rows].sort((a, b) => a.seq - b.seq)) {
    const m = parseInbound(row);
    if (isInvalid(m)) invalid.push(m);
    else valid.push(m);
  }
  const first = valid.findIndex(isTrigger);
  if (first < 0) {
    const skipped = opts.windowFull ? valid.slice(0, Math.max(0, valid.length - (max - 1))) : [];
    return { turn: null, skipped, invalid };
  }
  const trigger = valid[first]!;
  const command = gatedCommandOf(trigger);
  if (command) return { turn: { type: 'command', message: trigger, command }, skipped: [], invalid };
  if (trigger.kind === 'task' && scriptOf(trigger) !== null)
    return { turn: { type: 'script', message: trigger, script: scriptOf(trigger)! }, skipped: [], invalid };

  const context = valid.slice(0, first);
  const keep = max - 1 === 0 ? [] : context.slice(-(max - 1));
  const skipped = context.slice(0, context.length - keep.length);
  const messages = [...keep, trigger];
  for (let i = first + 1; i < valid.length && messages.length < max; i++) {
    const m = valid[i]!;
    if (gatedCommandOf(m) || scriptOf(m) !== null || !sameAddress(m, trigger)) break;
    messages.push(m);
  }
  return { turn: { type: 'messages', messages }, skipped, invalid };
}

/** The message a turn answers: the last triggering one. */
export function replyTarget(messages: InboundMessage[]): InboundMessage {
  for (let i = messages.length - 1; i >= 0; i--) if (isTrigger(messages[i]!)) return messages[i]!;
  return messages[messages.length - 1]!;
}

function sameAddress(a: InboundMessage, b: InboundMessage): boolean {
  return (
    a.row.channel_type === b.row.channel_type &&
    a.row.platform_id === b.row.platform_id &&
    a.row.thread_id === b.row.thread_id
  );
}
