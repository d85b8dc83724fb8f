/**
 * What the rows that arrived while a turn runs mean for that turn. Pure: the rows come from
 * InboundReader.eligible (unclaimed, oldest first); turn-watch.ts applies the plan.
 *
 * Rules:
 * - A /stop row anywhere in the window is the first thing seen (the oldest one): it never waits behind other
 *   rows, and nothing else is taken in the same look.
 * - Otherwise the follow-ups are exactly the rows the batch rules (batch.ts) would make the next turn, when that
 *   turn is a messages turn for the same reply address as the running one: one conversation, one reply. A
 *   command, a message for another chat or thread (agent-shared sessions), accumulated context without a
 *   trigger, and invalid or skipped rows are left for the poll loop after the turn.
 */
import { planBatch } from './batch.js';
import { gatedCommandOf } from './command-gate.js';
import { isInvalid, parseInbound, type InboundMessage } from './inbound-message.js';
import type { MessageIn } from '../../protocol/session-db.js';
import { STOP_COMMAND } from '../../protocol/commands.js';

export interface DuringTurnPlan {
  /** The oldest /stop row, when there is one. */
  stop: InboundMessage | null;
  /** Rows to push into the running turn, in seq order. */
  followUps: InboundMessage[];
}

export interface ReplyAddress {
  channel_type: string | null;
  platform_id: string | null;
  thread_id: string | null;
}

export function planDuringTurn(
  rows: MessageIn[],
  running: ReplyAddress,
  opts: { maxBatch: number },
): DuringTurnPlan {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  for (const row of sorted) {
    const m = parseInbound(row);
    if (!isInvalid(m) && gatedCommandOf(m) === STOP_COMMAND) return { stop: m, followUps: [] };
  }
  const plan = planBatch(sorted, { maxBatch: opts.maxBatch, windowFull: false });
  const turn = plan.turn;
  if (!turn || turn.type !== 'messages') return { stop: null, followUps: [] };
  const trigger = turn.messages.find((m) => m.row.trigger === 1)!;
  return { stop: null, followUps: sameAddress(trigger.row, running) ? turn.messages : [] };
}

function sameAddress(a: ReplyAddress, b: ReplyAddress): boolean {
  return a.channel_type === b.channel_type && a.platform_id === b.platform_id && a.thread_id === b.thread_id;
}
