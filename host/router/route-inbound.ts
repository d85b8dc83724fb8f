/**
 * routeInbound: one inbound chat message → zero or more agent sessions.
 *
 *   1. find the chat (auto-create it on a mention/DM, policy request_approval, no wiring)
 *   2. no wiring → drop `no_agent_wired` (WARN with what to do)
 *   3. namespace and upsert the sender
 *   4. for every wiring, highest priority first: engaged? access gate (unknown-sender policy) → sender scope →
 *      deliver with wake; not engaged but `accumulate` and allowed → deliver as context (no wake)
 *   5. slash commands: filtered ones are dropped, /help and /start are answered by the host, admin-only ones are
 *      refused for non-admins with a reply sent straight through the adapter
 *
 * Invariant: a message reaches an agent — even as context — only after passing the access gate for that agent.
 */
import type { Logger } from 'pino';
import { canAccessAgentGroup, type AccessDecision } from '../access/access.js';
import { hasAdminPrivilege } from '../access/roles.js';
import type { ChannelRegistry, InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup, upsertMessagingGroup } from '../db/messaging-groups.js';
import type { MessagingGroup, Wiring } from '../db/schema.js';
import type { SessionMode } from '../../protocol/vocabulary.js';
import { listWiringsOf } from '../db/wirings.js';
import { namespacedUserId, upsertUser } from '../db/users.js';
import { HELP_TEXT, classifyCommand, permissionDeniedText } from './command-gate.js';
import { recordDrop, type DropReason } from './dropped.js';
import { engages } from './engage.js';
import { recordPendingSenderApproval } from './sender-approval.js';

export interface AgentDelivery {
  agentGroupId: string;
  messagingGroup: MessagingGroup;
  threadId: string | null;
  mode: SessionMode;
  wake: boolean;
  message: InboundMessage;
  userId: string | null;
}

/** What the router hands a message to; implemented by the session manager. */
export interface SessionSink {
  deliver(d: AgentDelivery): Promise<{ sessionId: string }>;
  hasActiveSession(agentGroupId: string, messagingGroupId: string, threadId: string): boolean;
}

export interface RouteResult {
  delivered: { agentGroupId: string; sessionId: string; wake: boolean }[];
  dropped: DropReason | 'ignored' | 'command' | null;
  reply: string | null;
}

export interface RouterDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  sessions: SessionSink;
  log: Logger;
}

interface Plan {
  wiring: Wiring;
  wake: boolean;
}

export async function routeInbound(deps: RouterDeps, raw: InboundMessage): Promise<RouteResult> {
  const { db, log } = deps;
  const adapter = deps.channels.get(raw.channelType);
  const msg: InboundMessage = adapter && !adapter.supportsThreads ? { ...raw, threadId: null } : raw;
  const result: RouteResult = { delivered: [], dropped: null, reply: null };
  const ctx = { channel: msg.channelType, platformId: msg.platformId };

  let mg = findMessagingGroup(db, msg.channelType, msg.platformId);
  if (!mg) {
    if (!msg.isMention) return { ...result, dropped: 'ignored' };
    mg = upsertMessagingGroup(db, {
      channelType: msg.channelType,
      platformId: msg.platformId,
      isGroup: msg.isGroup,
      unknownSenderPolicy: 'request_approval',
    });
    log.info({ ...ctx, messagingGroup: mg.id }, 'new chat seen; created its messaging group');
  }
  const userId = msg.senderHandle ? namespacedUserId(msg.channelType, msg.senderHandle) : null;
  const drop = (reason: DropReason, agentGroupId: string | null = null): void =>
    recordDrop(db, {
      channelType: msg.channelType,
      platformId: msg.platformId,
      userId,
      senderName: msg.senderName ?? null,
      reason,
      messagingGroupId: mg.id,
      agentGroupId,
    });

  if (mg.denied_at) {
    drop('denied_chat');
    return { ...result, dropped: 'denied_chat' };
  }
  const wirings = listWiringsOf(db, mg.id);
  if (wirings.length === 0) {
    drop('no_agent_wired');
    log.warn(
      { ...ctx, messagingGroup: mg.id, reason: 'no_agent_wired' },
      'message dropped: no agent is wired to this chat. Apply a MessagingGroup with spec.channel/spec.platformId ' +
        'matching it and spec.agents listing an AgentGroup (see examples/)',
    );
    return { ...result, dropped: 'no_agent_wired' };
  }
  if (userId) upsertUser(db, userId, msg.senderName);

  const plans: Plan[] = [];
  let refusal: DropReason | null = null;
  for (const wiring of wirings) {
    const access = (): AccessDecision =>
      mg.unknown_sender_policy === 'public'
        ? { allowed: true, reason: 'member' }
        : userId
          ? canAccessAgentGroup(db, userId, wiring.agent_group_id)
          : { allowed: false, reason: 'unknown_user' };
    const inScope = (): boolean =>
      wiring.sender_scope === 'all' ||
      (userId !== null && canAccessAgentGroup(db, userId, wiring.agent_group_id).allowed);
    const engaged = engages({
      mode: wiring.engage_mode,
      pattern: wiring.engage_pattern,
      text: msg.text,
      isMention: msg.isMention,
      threadId: msg.threadId,
      hasActiveThreadSession: () =>
        deps.sessions.hasActiveSession(wiring.agent_group_id, mg.id, msg.threadId!),
    });
    if (engaged) {
      const decision = access();
      if (!decision.allowed) {
        refusal = gateUnknownSender(deps, mg, wiring, userId, msg, decision.reason, drop);
        continue;
      }
      if (!inScope()) {
        refusal = 'sender_scope';
        drop('sender_scope', wiring.agent_group_id);
        log.debug(
          { ...ctx, agentGroup: wiring.agent_group_id, userId },
          'sender outside the wiring sender scope',
        );
        continue;
      }
      plans.push({ wiring, wake: true });
    } else if (wiring.ignored_messages === 'accumulate' && access().allowed && inScope()) {
      plans.push({ wiring, wake: false });
    }
  }
  if (plans.length === 0) {
    if (!refusal) drop('no_agent_engaged');
    return { ...result, dropped: refusal ?? 'no_agent_engaged' };
  }

  const command = classifyCommand(msg.text);
  if (command.kind === 'filtered') return { ...result, dropped: 'command' };
  if (command.kind === 'host-answered') {
    if (!plans.some((p) => p.wake)) return { ...result, dropped: 'command' };
    await replyDirect(deps, msg, HELP_TEXT);
    return { ...result, dropped: 'command', reply: HELP_TEXT };
  }
  let deniedCommand = false;
  for (const plan of plans) {
    if (
      command.kind === 'admin' &&
      (userId === null || !hasAdminPrivilege(db, userId, plan.wiring.agent_group_id))
    ) {
      if (plan.wake) deniedCommand = true;
      continue;
    }
    const { sessionId } = await deps.sessions.deliver({
      agentGroupId: plan.wiring.agent_group_id,
      messagingGroup: mg,
      threadId: msg.threadId,
      mode: effectiveMode(plan.wiring.session_mode, mg, msg, adapter?.supportsThreads ?? false),
      wake: plan.wake,
      message: msg,
      userId,
    });
    result.delivered.push({ agentGroupId: plan.wiring.agent_group_id, sessionId, wake: plan.wake });
  }
  if (deniedCommand && command.kind === 'admin') {
    const text = permissionDeniedText(command.command);
    log.info(
      { ...ctx, userId, reason: 'admin_command_denied' },
      `refused ${command.command} from a non-admin`,
    );
    await replyDirect(deps, msg, text);
    result.reply = text;
    if (result.delivered.length === 0) result.dropped = 'command';
  }
  return result;
}

/** In a threaded group chat every thread is its own conversation, unless the agent shares one session. */
function effectiveMode(
  mode: SessionMode,
  mg: MessagingGroup,
  msg: InboundMessage,
  threaded: boolean,
): SessionMode {
  if (threaded && mode !== 'agent-shared' && mg.is_group === 1 && msg.threadId !== null) return 'per-thread';
  return mode;
}

function gateUnknownSender(
  deps: RouterDeps,
  mg: MessagingGroup,
  wiring: Wiring,
  userId: string | null,
  msg: InboundMessage,
  reason: string,
  drop: (reason: DropReason, agentGroupId: string | null) => void,
): DropReason {
  const ctx = {
    channel: msg.channelType,
    messagingGroup: mg.id,
    agentGroup: wiring.agent_group_id,
    userId,
    reason,
  };
  if (mg.unknown_sender_policy === 'request_approval') {
    drop('unknown_sender_request_approval', wiring.agent_group_id);
    if (userId) {
      const { created, approvers } = recordPendingSenderApproval(deps.db, {
        messagingGroupId: mg.id,
        agentGroupId: wiring.agent_group_id,
        senderId: userId,
        message: msg,
      });
      if (created)
        deps.log.info(
          { ...ctx, approvers: approvers.length },
          'unknown sender: approval requested, message held',
        );
    }
    return 'unknown_sender_request_approval';
  }
  drop('unknown_sender_strict', wiring.agent_group_id);
  deps.log.info(ctx, 'unknown sender dropped (strict chat)');
  return 'unknown_sender_strict';
}

async function replyDirect(deps: RouterDeps, msg: InboundMessage, text: string): Promise<void> {
  const adapter = deps.channels.get(msg.channelType);
  if (!adapter) return;
  const to = msg.replyTo ?? {
    channelType: msg.channelType,
    platformId: msg.platformId,
    threadId: msg.threadId,
  };
  try {
    await adapter.send(to, { text, inReplyTo: msg.messageId });
  } catch (err) {
    deps.log.warn({ channel: msg.channelType, err: (err as Error).message }, 'could not send a host reply');
  }
}
