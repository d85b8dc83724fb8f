/**
 * routeInbound: one inbound chat message → zero or more agent sessions. The thin, effectful half of the router:
 * it loads a snapshot of the central DB (loadSnapshot), asks route-plan.ts what to do, then does it — creates
 * the chat, records the sender, drops and held approvals, writes the message to each session, and sends the
 * host's own reply through delivery (the one outbound path).
 */
import type { Logger } from 'pino';
import { canAccessAgentGroup } from '../access/access.js';
import { hasAdminPrivilege } from '../access/roles.js';
import type { ChannelRegistry, ChatAddress, InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup, upsertMessagingGroup } from '../db/messaging-groups.js';
import type { MessagingGroup } from '../db/schema.js';
import { listWiringsOf } from '../db/wirings.js';
import { namespacedUserId, upsertUser } from '../db/users.js';
import type { HostMessageKind, SessionMode } from '../../protocol/vocabulary.js';
import { classifyCommand } from './command-gate.js';
import { recordDrop, type DropReason } from './dropped.js';
import { effectiveMode, planRoute, type RoutePlan, type RouteSnapshot } from './route-plan.js';
import { unwiredChatCount, type IntakeLimits } from './intake-limits.js';
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
  /** The senders the running turn of that session answers; null when no turn runs (or no session exists). */
  runningTurnSenders(
    agentGroupId: string,
    messagingGroupId: string,
    threadId: string | null,
    mode: SessionMode,
  ): string[] | null;
}

/** Something the host answers itself, in the chat a message came from. */
interface HostReply {
  kind: HostMessageKind;
  to: ChatAddress;
  text: string;
  inReplyTo: string;
}

/** Where the host's own replies go; implemented by delivery (its host outbox). */
interface HostReplies {
  sendFromHost(m: HostReply): Promise<unknown>;
}

export interface RouteResult {
  delivered: { agentGroupId: string; sessionId: string; wake: boolean }[];
  dropped: RoutePlan['dropped'];
  reply: string | null;
}

/** Where new approval requests go (host/approvals/: the card to an approver's DM). */
interface ApprovalRequests {
  request(approvalId: string): Promise<void>;
}

interface RegistrationRequests {
  request(chatId: string, msg: InboundMessage, senderId: string | null): Promise<void>;
}

export interface RouterDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  sessions: SessionSink;
  replies: HostReplies;
  approvals?: ApprovalRequests;
  /** Absent when the host has no way to write configuration (then an unwired chat's message stays dropped). */
  registrations?: RegistrationRequests;
  /** Caps on what strangers can make the host store (no caps when absent: tests of routing alone). */
  limits?: IntakeLimits;
  log: Logger;
}

export async function routeInbound(deps: RouterDeps, raw: InboundMessage): Promise<RouteResult> {
  const adapter = deps.channels.get(raw.channelType);
  const threaded = adapter?.supportsThreads ?? false;
  const msg: InboundMessage = adapter && !threaded ? { ...raw, threadId: null } : raw;
  const snap = loadSnapshot(deps, msg, threaded);
  const plan = planRoute(msg, snap);
  return applyPlan(deps, msg, snap, plan);
}

/** Reads what the plan needs. Facts only some messages need are loaded only for them. */
function loadSnapshot(
  deps: Pick<RouterDeps, 'db' | 'sessions'>,
  msg: InboundMessage,
  threaded: boolean,
): RouteSnapshot {
  const { db } = deps;
  const chat = findMessagingGroup(db, msg.channelType, msg.platformId);
  const userId = msg.senderHandle ? namespacedUserId(msg.channelType, msg.senderHandle) : null;
  if (!chat || chat.denied_at) return { chat, threaded, userId, wirings: [] };
  const commandKind = classifyCommand(msg.text).kind;
  const adminCommand = commandKind === 'admin' || commandKind === 'stop';
  const wirings = listWiringsOf(db, chat.id).map((wiring) => ({
    wiring,
    access: userId
      ? canAccessAgentGroup(db, userId, wiring.agent_group_id)
      : { allowed: false as const, reason: 'unknown_user' as const },
    isAdmin: adminCommand && userId !== null && hasAdminPrivilege(db, userId, wiring.agent_group_id),
    activeThreadSession:
      wiring.engage_mode === 'mention-sticky' &&
      msg.threadId !== null &&
      deps.sessions.hasActiveSession(wiring.agent_group_id, chat.id, msg.threadId),
    runningSenders:
      commandKind === 'stop'
        ? deps.sessions.runningTurnSenders(
            wiring.agent_group_id,
            chat.id,
            msg.threadId,
            effectiveMode(wiring.session_mode, chat, msg, threaded),
          )
        : null,
  }));
  return { chat, threaded, userId, wirings };
}

async function applyPlan(
  deps: RouterDeps,
  msg: InboundMessage,
  snap: RouteSnapshot,
  plan: RoutePlan,
): Promise<RouteResult> {
  const { db, log } = deps;
  const { userId } = snap;
  const ctx = { channel: msg.channelType, platformId: msg.platformId };
  const result: RouteResult = { delivered: [], dropped: plan.dropped, reply: plan.reply?.text ?? null };
  if (plan.dropped === 'ignored') return result;

  let chat = snap.chat;
  if (plan.createChat && deps.limits && unwiredChatCount(db) >= deps.limits.maxUnwiredChats) {
    log.warn(
      { ...ctx, limit: deps.limits.maxUnwiredChats },
      'new chat ignored: too many chats no agent serves (NANOCLAW_MAX_UNWIRED_CHATS); register or remove some',
    );
    return { ...result, dropped: 'chat_limit' };
  }
  if (plan.createChat) {
    chat = upsertMessagingGroup(db, {
      channelType: msg.channelType,
      platformId: msg.platformId,
      isGroup: msg.isGroup,
      unknownSenderPolicy: 'request_approval',
    });
    log.info({ ...ctx, messagingGroup: chat.id }, 'new chat seen; created its messaging group');
  }
  const mg = chat!;
  for (const d of plan.drops) {
    recordDrop(db, {
      channelType: msg.channelType,
      platformId: msg.platformId,
      userId,
      senderName: msg.senderName ?? null,
      reason: d.reason,
      messagingGroupId: mg.id,
      agentGroupId: d.agentGroupId,
    });
    logDrop(log, { ...ctx, messagingGroup: mg.id, agentGroup: d.agentGroupId, userId }, d.reason);
  }
  if (plan.upsertSender && userId) upsertUser(db, userId, msg.senderName);
  if (plan.register)
    // Like approval cards: reaching an owner takes platform calls, so not on the inbound path.
    deps.registrations
      ?.request(mg.id, msg, userId)
      .catch((err: unknown) =>
        log.error({ ...ctx, err: (err as Error).message }, 'registration card not sent; will retry'),
      );
  for (const agentGroupId of plan.approvals) {
    const { approvalId, limited } = recordPendingSenderApproval(
      db,
      { messagingGroupId: mg.id, agentGroupId, senderId: userId!, message: msg },
      deps.limits?.maxPendingRequests ?? Infinity,
    );
    if (limited)
      log.warn(
        { ...ctx, agentGroup: agentGroupId, userId, limit: deps.limits?.maxPendingRequests },
        'unknown sender dropped: too many approvals pending for this agent group (NANOCLAW_MAX_PENDING_REQUESTS)',
      );
    if (approvalId) {
      log.info(
        { ...ctx, messagingGroup: mg.id, agentGroup: agentGroupId, userId, approvalId },
        'unknown sender: approval requested, message held',
      );
      // Finding and reaching an approver may take platform calls: not on the inbound path (it is retried).
      deps.approvals
        ?.request(approvalId)
        .catch((err: unknown) =>
          log.error(
            { ...ctx, approvalId, err: (err as Error).message },
            'approval card not sent; will retry',
          ),
        );
    }
  }
  for (const d of plan.deliveries) {
    const { sessionId } = await deps.sessions.deliver({
      agentGroupId: d.agentGroupId,
      messagingGroup: mg,
      threadId: msg.threadId,
      mode: d.mode,
      wake: d.wake,
      message: msg,
      userId,
    });
    result.delivered.push({ agentGroupId: d.agentGroupId, sessionId, wake: d.wake });
  }
  if (plan.reply) {
    if (plan.reply.kind === 'command_denied')
      log.info(
        { ...ctx, userId, reason: 'admin_command_denied' },
        'refused an admin command from a non-admin',
      );
    await deps.replies.sendFromHost({
      kind: plan.reply.kind,
      to: msg.replyTo ?? { channelType: msg.channelType, platformId: msg.platformId, threadId: msg.threadId },
      text: plan.reply.text,
      inReplyTo: msg.messageId,
    });
  }
  return result;
}

function logDrop(log: Logger, ctx: Record<string, unknown>, reason: DropReason): void {
  switch (reason) {
    case 'no_agent_wired':
      log.warn(
        { ...ctx, reason },
        'message dropped: no agent is wired to this chat. Apply a MessagingGroup with spec.channel/spec.platformId ' +
          'matching it and spec.agents listing an AgentGroup (see examples/)',
      );
      return;
    case 'unknown_sender_strict':
      log.info({ ...ctx, reason }, 'unknown sender dropped (strict chat)');
      return;
    case 'sender_scope':
      log.debug({ ...ctx, reason }, 'sender outside the wiring sender scope');
      return;
    default:
      log.debug({ ...ctx, reason }, 'message dropped');
  }
}
