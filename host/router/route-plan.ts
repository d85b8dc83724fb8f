/**
 * The routing decision for one inbound message, as a pure function of the message and a snapshot of what the
 * central DB says about its chat, sender and wirings. route-inbound.ts loads the snapshot and applies the plan.
 *
 *   1. unknown chat: ignored, unless the bot was mentioned/DMed — then the chat is created (no wiring yet)
 *   2. denied chat → drop `denied_chat`; no wiring → drop `no_agent_wired`, and when the bot was mentioned/DMed
 *      ask an owner to register the chat (host/approvals/channel-registrations.ts)
 *   3. for every wiring, highest priority first: engaged? access gate (unknown-sender policy) → sender scope →
 *      deliver with wake; not engaged but `accumulate` and allowed → deliver as context (no wake)
 *   4. slash commands: filtered ones are dropped, /help and /start are answered by the host, admin-only ones are
 *      refused for non-admins with a host reply; /stop reaches an agent only from an admin or from a sender of
 *      the messages its running turn answers — anyone else is refused, and with no turn running the host says
 *      so itself; /stop is never delivered as context
 *
 * Invariants:
 * - a message reaches an agent — even as context — only after passing the access gate for that agent;
 * - pattern work only for a sender the wiring could deliver to, now or after approval: the gate and the scope are
 *   decided first, and a pattern wiring refuses any other sender (strict chat, no handle to approve, outside the
 *   scope) with the gate's drop reason, without matching the text.
 */
import type { AccessDecision } from '../access/access.js';
import type { InboundMessage } from '../channels/adapter.js';
import type { MessagingGroup, Wiring } from '../db/schema.js';
import type { HostMessageKind, SessionMode } from '../../protocol/vocabulary.js';
import { NOTHING_RUNNING_REPLY, STOP_REFUSED_REPLY } from '../../protocol/commands.js';
import { HELP_TEXT, classifyCommand, permissionDeniedText, type CommandClass } from './command-gate.js';
import type { DropReason } from './dropped.js';
import { engages } from './engage.js';

/** What the router knows about one wiring of the chat, for this message's sender. */
export interface WiringFacts {
  wiring: Wiring;
  /** The sender's own access to the wiring's agent group (roles, membership), policy aside. */
  access: AccessDecision;
  /** The sender is an owner or an admin of the agent group (only loaded for admin-only commands). */
  isAdmin: boolean;
  /** An active per-thread session exists for (agent, chat, thread) (only loaded for mention-sticky threads). */
  activeThreadSession: boolean;
  /**
   * The senders of the messages the session's running turn answers, or null when no turn runs (only loaded
   * for /stop). Read from the runner's claims, so a runner can at most let others stop itself.
   */
  runningSenders: string[] | null;
}

export interface RouteSnapshot {
  /** The chat's messaging group, or undefined when the host has never seen the chat. */
  chat: MessagingGroup | undefined;
  /** The channel has threads (otherwise the message's thread id was cleared). */
  threaded: boolean;
  /** The namespaced sender (`<channel>:<handle>`), or null when the platform gave none. */
  userId: string | null;
  /** Highest priority first. */
  wirings: WiringFacts[];
}

interface PlannedDelivery {
  agentGroupId: string;
  mode: SessionMode;
  /** A prompt (wake the agent) or context only. */
  wake: boolean;
}

export interface RoutePlan {
  /** Create the chat's messaging group (policy request_approval, no wiring). */
  createChat: boolean;
  /** Ask an owner to register the chat (it has no wiring and the bot was mentioned or DMed). */
  register: boolean;
  /** Record the sender in users (only a sender a wiring of the chat admits, or holds for approval). */
  upsertSender: boolean;
  /** Audit rows for dropped_messages. */
  drops: { reason: DropReason; agentGroupId: string | null }[];
  /** Unknown senders held for approval in a request_approval chat, per agent group. */
  approvals: string[];
  deliveries: PlannedDelivery[];
  /** What the host answers itself, in the chat the message came from. */
  reply: { kind: HostMessageKind; text: string } | null;
  /** Why the message reached no agent as a prompt (null when it did). */
  dropped: DropReason | 'ignored' | 'command' | 'chat_limit' | null;
}

const nothing = (): RoutePlan => ({
  createChat: false,
  register: false,
  upsertSender: false,
  drops: [],
  approvals: [],
  deliveries: [],
  reply: null,
  dropped: null,
});

export function planRoute(msg: InboundMessage, snap: RouteSnapshot): RoutePlan {
  const plan = nothing();
  const { chat, userId } = snap;
  if (!chat) {
    if (!msg.isMention) return { ...plan, dropped: 'ignored' };
    return {
      ...plan,
      createChat: true,
      register: true,
      drops: [{ reason: 'no_agent_wired', agentGroupId: null }],
      dropped: 'no_agent_wired',
    };
  }
  if (chat.denied_at)
    return { ...plan, drops: [{ reason: 'denied_chat', agentGroupId: null }], dropped: 'denied_chat' };
  if (snap.wirings.length === 0)
    return {
      ...plan,
      register: msg.isMention,
      drops: [{ reason: 'no_agent_wired', agentGroupId: null }],
      dropped: 'no_agent_wired',
    };
  const engaged: { facts: WiringFacts; wake: boolean }[] = [];
  let refusal: DropReason | null = null;
  let admitted = false;
  for (const facts of snap.wirings) {
    const { wiring } = facts;
    const refused = refusalOf(chat, userId, facts);
    admitted ||= refused === null;
    const approvable = refused === 'unknown_sender_request_approval' && userId !== null;
    // A pattern wiring refuses a sender no delivery awaits without matching the text.
    const isEngaged =
      (refused !== null && !approvable && wiring.engage_mode === 'pattern') ||
      engages({
        mode: wiring.engage_mode,
        pattern: wiring.engage_pattern,
        text: msg.text,
        isMention: msg.isMention,
        threadId: msg.threadId,
        hasActiveThreadSession: () => facts.activeThreadSession,
      });
    if (isEngaged) {
      if (refused) {
        refusal = refused;
        plan.drops.push({ reason: refused, agentGroupId: wiring.agent_group_id });
        if (approvable) plan.approvals.push(wiring.agent_group_id);
        continue;
      }
      engaged.push({ facts, wake: true });
    } else if (wiring.ignored_messages === 'accumulate' && refused === null) {
      engaged.push({ facts, wake: false });
    }
  }
  // Only a sender some agent here admits (or may admit after approval) gets a users row: strangers refused by a
  // strict chat or a sender scope leave only their drop record, so they cannot grow the table.
  plan.upsertSender = userId !== null && (admitted || plan.approvals.length > 0);
  if (engaged.length === 0) {
    // /help and /start are the host's to answer for anyone an agent here would accept, engaged or not.
    if (admitted && classifyCommand(msg.text).kind === 'host-answered')
      return { ...plan, dropped: 'command', reply: { kind: 'help', text: HELP_TEXT } };
    if (!refusal) plan.drops.push({ reason: 'no_agent_engaged', agentGroupId: null });
    return { ...plan, dropped: refusal ?? 'no_agent_engaged' };
  }
  const command = classifyCommand(msg.text);
  if (command.kind === 'stop') return applyStopGate(plan, engaged, userId, chat, msg, snap.threaded);
  return applyCommandGate(plan, command, engaged, chat, msg, snap.threaded);
}

/**
 * Why the wiring refuses this sender whatever the message says, or null when it admits them: the unknown-sender
 * policy on top of the sender's own access, then the wiring's sender scope.
 */
function refusalOf(chat: MessagingGroup, userId: string | null, facts: WiringFacts): DropReason | null {
  const policy = chat.unknown_sender_policy;
  if (policy !== 'public' && userId === null) return 'no_sender_identity';
  if (policy !== 'public' && !facts.access.allowed)
    return policy === 'request_approval' ? 'unknown_sender_request_approval' : 'unknown_sender_strict';
  const inScope = facts.wiring.sender_scope === 'all' || (userId !== null && facts.access.allowed);
  return inScope ? null : 'sender_scope';
}

function applyCommandGate(
  plan: RoutePlan,
  command: CommandClass,
  engaged: { facts: WiringFacts; wake: boolean }[],
  chat: MessagingGroup,
  msg: InboundMessage,
  threaded: boolean,
): RoutePlan {
  if (command.kind === 'filtered') return { ...plan, dropped: 'command' };
  if (command.kind === 'host-answered')
    return { ...plan, dropped: 'command', reply: { kind: 'help', text: HELP_TEXT } };
  let deniedCommand = false;
  for (const { facts, wake } of engaged) {
    if (command.kind === 'admin' && !facts.isAdmin) {
      if (wake) deniedCommand = true;
      continue;
    }
    plan.deliveries.push({
      agentGroupId: facts.wiring.agent_group_id,
      mode: effectiveMode(facts.wiring.session_mode, chat, msg, threaded),
      wake,
    });
  }
  if (deniedCommand && command.kind === 'admin') {
    plan.reply = { kind: 'command_denied', text: permissionDeniedText(command.command) };
    if (plan.deliveries.length === 0) plan.dropped = 'command';
  }
  return plan;
}

/** /stop: passed to an agent whose running turn the sender may stop; otherwise the host answers. */
function applyStopGate(
  plan: RoutePlan,
  engaged: { facts: WiringFacts; wake: boolean }[],
  userId: string | null,
  chat: MessagingGroup,
  msg: InboundMessage,
  threaded: boolean,
): RoutePlan {
  let refused = false;
  let idle = false;
  for (const { facts, wake } of engaged) {
    if (!wake) continue;
    const running = facts.runningSenders;
    const own = running !== null && userId !== null && running.includes(userId);
    if (facts.isAdmin || own) {
      plan.deliveries.push({
        agentGroupId: facts.wiring.agent_group_id,
        mode: effectiveMode(facts.wiring.session_mode, chat, msg, threaded),
        wake: true,
      });
    } else if (running === null) idle = true;
    else refused = true;
  }
  if (refused) plan.reply = { kind: 'command_denied', text: STOP_REFUSED_REPLY };
  else if (idle) plan.reply = { kind: 'notice', text: NOTHING_RUNNING_REPLY };
  if (plan.deliveries.length === 0) plan.dropped = 'command';
  return plan;
}

/** In a threaded group chat every thread is its own conversation, unless the agent shares one session. */
export function effectiveMode(
  mode: SessionMode,
  chat: MessagingGroup,
  msg: InboundMessage,
  threaded: boolean,
): SessionMode {
  if (threaded && mode !== 'agent-shared' && chat.is_group === 1 && msg.threadId !== null)
    return 'per-thread';
  return mode;
}
