/**
 * Delivery of an outbound row addressed to another agent (channel 'agent', platform id = its agent group id): the
 * thin I/O around agent-route-plan.ts. It reads the facts (the sending session and the session it answers, the
 * target, the sender's declared peers, the hops of the answered message), then writes the message into the
 * target's session (agent-to-agent session, or the asking session on the return path) or records the refusal.
 *
 * Invariants:
 * - The sender is named from the sending session's row (the host's word), never from anything the runner wrote.
 * - The inbound row id is derived from (sending session, outbound row id): delivering a row again writes nothing.
 * - A refusal is recorded in the drop audit and thrown as AgentMessageRefused, which delivery treats as final.
 */
import type { Logger } from 'pino';
import { ChatInContent, type OutboundChatContent } from '../../protocol/messages.js';
import type { InboundDb, MessageOut } from '../../protocol/session-db.js';
import { AGENT_CHANNEL } from '../../protocol/vocabulary.js';
import { getAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import { findDestination } from '../db/destinations.js';
import type { Session } from '../db/schema.js';
import { recordDrop } from '../router/dropped.js';
import type { AgentMessage } from '../session/session-manager.js';
import { getSession, resolvePeerSession } from '../session/session-store.js';
import { createHash } from 'node:crypto';
import { planAgentRoute, type AgentRouteFacts } from './agent-route-plan.js';

/** Where agent messages are written (the session manager). */
export interface AgentInbox {
  deliverFromAgent(target: Session, m: AgentMessage): Promise<{ seq: number }>;
}

export interface AgentRouteDeps {
  db: CentralDb;
  inbox: AgentInbox;
  log: Logger;
  maxHops: number;
}

/** A message to an agent that no retry can deliver. */
export class AgentMessageRefused extends Error {
  override readonly name = 'AgentMessageRefused';
  readonly target: { channelType: string; platformId: string; threadId: null };

  constructor(message: string, targetAgentGroupId: string) {
    super(message);
    this.target = { channelType: AGENT_CHANNEL, platformId: targetAgentGroupId, threadId: null };
  }
}

function agentRowId(sessionId: string, messageOutId: string): string {
  return `a-${createHash('sha256').update(`${sessionId}\0${messageOutId}`).digest('hex').slice(0, 24)}`;
}

/** Hops of an inbound row, 0 when it is not from an agent (or not there). inbound.db is the host's own file. */
function hopsOf(inbound: InboundDb, messageInId: string | null): number {
  if (!messageInId) return 0;
  const row = inbound.first(
    inbound.q.selectFrom('messages_in').select(['kind', 'content']).where('id', '=', messageInId),
  );
  if (row?.kind !== 'chat') return 0;
  const parsed = ChatInContent.safeParse(JSON.parse(row.content));
  return parsed.success ? (parsed.data.fromAgent?.hops ?? 0) : 0;
}

function factsOf(
  d: AgentRouteDeps,
  session: Session,
  inbound: InboundDb,
  row: MessageOut,
  content: OutboundChatContent,
  targetAgentGroupId: string,
): AgentRouteFacts {
  const peer = session.peer_session_id ? getSession(d.db, session.peer_session_id) : undefined;
  return {
    source: {
      sessionId: session.id,
      agentGroupId: session.agent_group_id,
      peer: peer
        ? { sessionId: peer.id, agentGroupId: peer.agent_group_id, active: peer.status === 'active' }
        : null,
    },
    target: {
      agentGroupId: targetAgentGroupId,
      exists: getAgentGroup(d.db, targetAgentGroupId) !== undefined,
    },
    declared: findDestination(d.db, session.agent_group_id, 'agent', targetAgentGroupId) !== undefined,
    answeredHops: hopsOf(inbound, row.in_reply_to),
    extras: {
      op: content.op !== undefined,
      question: content.op === undefined && content.question !== undefined,
    },
    maxHops: d.maxHops,
  };
}

/**
 * Delivers `row` to the agent group `targetAgentGroupId`, with the `files` it names (read from the sender's outbox);
 * throws AgentMessageRefused when it may not go.
 */
export async function routeToAgent(
  d: AgentRouteDeps,
  session: Session,
  inbound: InboundDb,
  row: MessageOut,
  content: OutboundChatContent,
  targetAgentGroupId: string,
  files: readonly { name: string; data: Buffer }[],
): Promise<void> {
  const plan = planAgentRoute(factsOf(d, session, inbound, row, content, targetAgentGroupId));
  const ctx = { sessionId: session.id, agentGroup: session.agent_group_id, messageOutId: row.id };
  if (plan.action === 'refuse') {
    recordDrop(d.db, {
      channelType: AGENT_CHANNEL,
      platformId: targetAgentGroupId,
      userId: session.agent_group_id,
      reason: plan.reason,
      agentGroupId: session.agent_group_id,
    });
    d.log.warn({ ...ctx, target: targetAgentGroupId, reason: plan.reason }, 'agent message refused');
    throw new AgentMessageRefused(plan.message, targetAgentGroupId);
  }
  const target =
    plan.action === 'return'
      ? getSession(d.db, plan.sessionId)!
      : resolvePeerSession(d.db, plan.agentGroupId, plan.askingSessionId).session;
  const name = getAgentGroup(d.db, session.agent_group_id)?.name ?? session.agent_group_id;
  const text = content.op === undefined ? content.text : '';
  await d.inbox.deliverFromAgent(target, {
    id: agentRowId(session.id, row.id),
    text,
    from: { agentGroupId: session.agent_group_id, name, hops: plan.hops },
    files,
  });
  d.log.info(
    {
      ...ctx,
      target: targetAgentGroupId,
      targetSession: target.id,
      hops: plan.hops,
      path: plan.action,
      files: files.length,
    },
    'agent message delivered',
  );
}
