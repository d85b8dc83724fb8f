/**
 * Turns a routed message into a row in the right session's inbound.db and makes sure a runner will see it.
 *
 * Invariants:
 * - A message is "accepted" once its inbound.db row is committed; everything after (notices, waking a runner)
 *   can fail and be retried by the sweep without losing it.
 * - The inbound row id is derived from (channel, chat, platform message id), so a platform that re-delivers a
 *   message after a restart does not create a second row.
 * - The session's destination projection and default reply address are rewritten whenever they change. An
 *   agent-to-agent (peer) session's reply address is the asking agent (channel 'agent', its agent group id).
 * - A message from another agent is written with the target session's own reply address, sender null and no admin
 *   rights; who wrote it is `fromAgent` (the host's word, from the sending session's row).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChatInContent } from '../../protocol/messages.js';
import type { Destination } from '../../protocol/session-db.js';
import { AGENT_CHANNEL, type SessionMode } from '../../protocol/vocabulary.js';
import { hasAdminPrivilege } from '../access/roles.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { listDestinations } from '../db/destinations.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import type { AgentDelivery, SessionSink } from '../router/route-inbound.js';
import type { InboundFiles } from './inbound-files.js';
import { insertInbound, writeSessionContext, type NewInboundMessage } from './inbound-writer.js';
import type { SessionDbs, SessionHandle } from './session-dbs.js';
import { runningTurnSenders } from './running-turn.js';
import { findActiveSession, getSession, resolveSession, touchSession } from './session-store.js';

/** A message one agent sends another (host/delivery/agent-route.ts decides where it goes). */
export interface AgentMessage {
  /** Row id, derived from the sending session and its outbound row, so a re-delivery writes it once. */
  id: string;
  text: string;
  from: NonNullable<ChatInContent['fromAgent']>;
  /** Files from the sender's outbox, copied into the target session's inbox. */
  files: readonly { name: string; data: Buffer }[];
}

/** What the session manager needs from the runner side of the host (host/runner/waker.ts). */
export interface WakeTarget {
  /** Tell a connected runner that inbound.db has rows up to `seq`, and make sure a runner is running. */
  wake(session: Session, seq: number): Promise<void>;
}

function inboundRowId(channelType: string, platformId: string, messageId: string): string {
  return `m-${createHash('sha256').update(`${channelType}\0${platformId}\0${messageId}`).digest('hex').slice(0, 24)}`;
}

export class SessionManager implements SessionSink {
  constructor(
    private readonly db: CentralDb,
    private readonly dbs: SessionDbs,
    private readonly runners: WakeTarget,
    private readonly log: Logger,
    private readonly files: InboundFiles,
  ) {}

  hasActiveSession(agentGroupId: string, messagingGroupId: string, threadId: string): boolean {
    return (
      findActiveSession(this.db, { agentGroupId, messagingGroupId, threadId, mode: 'per-thread' }) !==
      undefined
    );
  }

  runningTurnSenders(
    agentGroupId: string,
    messagingGroupId: string,
    threadId: string | null,
    mode: SessionMode,
  ): string[] | null {
    const session = findActiveSession(this.db, { agentGroupId, messagingGroupId, threadId, mode });
    if (!session) return null;
    const handle = this.dbs.of(session);
    return runningTurnSenders(handle.inbound(), handle.outbound());
  }

  async deliver(d: AgentDelivery): Promise<{ sessionId: string }> {
    const { session, created } = resolveSession(this.db, {
      agentGroupId: d.agentGroupId,
      messagingGroupId: d.messagingGroup.id,
      threadId: d.threadId,
      mode: d.mode,
    });
    if (created)
      this.log.info({ sessionId: session.id, agentGroup: d.agentGroupId, mode: d.mode }, 'session created');
    const address = d.message.replyTo ?? d.message;
    const handle = this.dbs.of(session);
    const saved = await this.files.save(d.message, handle.paths.root);
    const content: ChatInContent = {
      text: [d.message.text, ...saved.notes].filter(Boolean).join('\n'),
      ...(saved.files.length ? { attachments: saved.files } : {}),
      ...(d.message.editOf ? { editOf: d.message.editOf } : {}),
      sender: d.userId,
      senderName: d.message.senderName ?? null,
      platformMessageId: d.message.messageId,
      isMention: d.message.isMention,
      senderIsAdmin: d.userId !== null && hasAdminPrivilege(this.db, d.userId, d.agentGroupId),
    };
    await this.write(
      session,
      {
        id: inboundRowId(d.message.channelType, d.message.platformId, d.message.messageId),
        kind: 'chat',
        content,
        trigger: d.wake,
        channelType: address.channelType,
        platformId: address.platformId,
        threadId: address.threadId,
        timestamp: d.message.timestamp,
      },
      d.wake,
    );
    return { sessionId: session.id };
  }

  /** Writes a message from another agent into `target` (idempotent by id) and wakes its runner. */
  async deliverFromAgent(target: Session, m: AgentMessage): Promise<{ seq: number }> {
    const address = this.routingOf(target);
    const saved = await this.files.save(
      {
        messageId: m.id,
        attachments: m.files.map((f) => ({
          name: f.name,
          mimeType: null,
          size: f.data.length,
          download: () => Promise.resolve(f.data),
        })),
      },
      this.dbs.of(target).paths.root,
    );
    const content: ChatInContent = {
      text: [m.text, ...saved.notes].filter(Boolean).join('\n'),
      ...(saved.files.length ? { attachments: saved.files } : {}),
      sender: null,
      senderName: m.from.name,
      isMention: true,
      senderIsAdmin: false,
      fromAgent: m.from,
    };
    const seq = await this.write(
      target,
      {
        id: m.id,
        kind: 'chat',
        content,
        channelType: address.channelType,
        platformId: address.platformId,
        threadId: address.threadId,
      },
      true,
    );
    return { seq };
  }

  /** Writes one inbound row (idempotent by id); with `wake`, notifies or starts the runner. */
  async write(session: Session, msg: NewInboundMessage, wake: boolean): Promise<number> {
    const handle = this.dbs.of(session);
    this.refreshContext(handle);
    const { seq, inserted } = insertInbound(handle.inbound(), handle.outbound(), msg);
    touchSession(this.db, session.id);
    if (!inserted)
      this.log.debug({ sessionId: session.id, seq }, 'message already accepted; not written twice');
    if (wake) await this.runners.wake(session, seq);
    return seq;
  }

  /** Rewrites the destinations and default reply address in inbound.db if they changed. */
  refreshContext(handle: SessionHandle): void {
    const { session } = handle;
    const destinations = this.destinationsOf(session.agent_group_id);
    const routing = this.routingOf(session);
    const hash = createHash('sha256')
      .update(JSON.stringify([destinations, routing]))
      .digest('hex');
    if (handle.contextHash === hash) return;
    writeSessionContext(handle.inbound(), destinations, routing);
    handle.contextHash = hash;
  }

  /** The session's default reply address: its chat and thread, or for a peer session the asking agent. */
  private routingOf(session: Session): {
    channelType: string | null;
    platformId: string | null;
    threadId: string | null;
  } {
    if (session.peer_session_id) {
      const peer = getSession(this.db, session.peer_session_id);
      return { channelType: AGENT_CHANNEL, platformId: peer?.agent_group_id ?? null, threadId: null };
    }
    const origin = session.messaging_group_id
      ? getMessagingGroup(this.db, session.messaging_group_id)
      : undefined;
    return {
      channelType: origin?.channel_type ?? null,
      platformId: origin?.platform_id ?? null,
      threadId: session.thread_id,
    };
  }

  private destinationsOf(agentGroupId: string): Destination[] {
    return listDestinations(this.db, agentGroupId).map((d): Destination => {
      if (d.target_type === 'channel') {
        const mg = getMessagingGroup(this.db, d.target_id);
        return {
          name: d.local_name,
          display_name: mg?.name ?? null,
          type: 'channel',
          channel_type: mg?.channel_type ?? null,
          platform_id: mg?.platform_id ?? null,
          agent_group_id: null,
        };
      }
      const ag = getAgentGroup(this.db, d.target_id);
      return {
        name: d.local_name,
        display_name: ag?.name ?? null,
        type: 'agent',
        channel_type: null,
        platform_id: null,
        agent_group_id: d.target_id,
      };
    });
  }
}
