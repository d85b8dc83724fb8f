/**
 * Failures told to people: when an agent's message finally fails to deliver, a runner cannot be started, or a
 * message could not be processed because the runner kept failing, the people concerned hear it once, in short, with what to do — and the agent
 * is told in its next turn.
 *
 * Invariants:
 * - One notice per failure (for a runner that cannot start: one per streak of failed starts), sent through the host outbox (durable, retried, audited as kind 'notice'); a notice
 *   that fails is not itself reported (no loops).
 * - Where: the session's own chat when the failed target was another chat (the people there can see it); when
 *   the session's own chat is what failed, an approver's DM instead (scoped admin, global admin, owner — the
 *   people who can fix it), since a notice into the failing chat would fail the same way.
 * - The agent learns about a failed delivery from a context row (not a prompt: it does not wake the agent), shown
 *   with its next turn. A message to another agent that failed is told only to the agent: it is between agents
 *   (and a refused one is already in the drop audit), so no person is disturbed by it.
 */
import type { Logger } from 'pino';
import { AGENT_CHANNEL } from '../../protocol/vocabulary.js';
import { pickApprovalDelivery } from '../access/pick-approval-delivery.js';
import { pickApprover } from '../access/pick-approver.js';
import type { ChannelRegistry, ChatAddress } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import type { HostMessageInput } from './host-outbox.js';

const REASON_MAX = 300;

export interface FailureNoticesDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  send(m: HostMessageInput): Promise<unknown>;
  /** Writes a context row (no wake) into the session's inbound.db. */
  tellAgent(session: Session, text: string): Promise<void>;
  count(labels: { kind: string }): void;
  log: Logger;
}

const short = (s: string) => (s.length > REASON_MAX ? `${s.slice(0, REASON_MAX)}…` : s);

export class FailureNotices {
  constructor(private readonly d: FailureNoticesDeps) {}

  /** An agent message ended 'failed'. `target` is where it was going (null: the session's own chat). */
  async deliveryFailed(
    session: Session,
    f: { messageOutId: string; target: ChatAddress | null; reason: string },
  ) {
    const origin = this.originOf(session);
    const agent = getAgentGroup(this.d.db, session.agent_group_id)?.name ?? session.agent_group_id;
    const targetIsOrigin =
      f.target === null ||
      (origin !== null &&
        f.target.channelType === origin.channelType &&
        f.target.platformId === origin.platformId);
    const where =
      f.target && !targetIsOrigin ? `${f.target.channelType} ${f.target.platformId}` : 'this chat';
    this.d.count({ kind: 'delivery' });
    this.d.log.warn(
      { sessionId: session.id, messageOutId: f.messageOutId, reason: f.reason },
      'telling people a delivery failed',
    );
    await this.d.tellAgent(
      session,
      `[NanoClaw] Your message ${f.messageOutId} could not be delivered to ${f.target ? `${f.target.channelType} ${f.target.platformId}` : 'this conversation'}: ${short(f.reason)}`,
    );
    if (f.target?.channelType === AGENT_CHANNEL) return;
    const text = `${agent} could not deliver a message to ${where} after several tries: ${short(f.reason)}.`;
    if (!targetIsOrigin && origin) await this.d.send({ kind: 'notice', to: origin, text });
    else await this.toAdmins(session, `${text} Check the chat's channel with \`nanoclaw verify\`.`);
  }

  /** The session's runner could not be started (the first failure of a streak; it is retried on its own). */
  async runnerStartFailed(session: Session, f: { reason: string; retryInMs: number }) {
    const origin = this.originOf(session);
    const agent = getAgentGroup(this.d.db, session.agent_group_id)?.name ?? session.agent_group_id;
    this.d.count({ kind: 'runner_start' });
    const text =
      `${agent} could not be started: ${short(f.reason)}. Your message is kept and NanoClaw keeps trying ` +
      `(next in ${Math.max(1, Math.round(f.retryInMs / 1000))} s). An admin can look at \`nanoclaw status\` and the host log.`;
    if (origin) await this.d.send({ kind: 'notice', to: origin, text });
    else await this.toAdmins(session, text);
  }

  /** Messages of the session were given up on because its runner kept failing (stopped or crashed). */
  async processingFailed(session: Session, messages: number) {
    const origin = this.originOf(session);
    this.d.count({ kind: 'processing' });
    const text =
      `The agent could not answer ${messages === 1 ? 'a message' : `${messages} messages`} here: it stopped ` +
      'unexpectedly several times. Try again later; an admin can look at `nanoclaw status` and the host log.';
    this.d.log.warn({ sessionId: session.id, messages }, 'telling people messages could not be processed');
    if (origin) await this.d.send({ kind: 'notice', to: origin, text });
    else await this.toAdmins(session, text);
  }

  /** The agent group's monthly token budget is reached (told once per period, see budget/token-meter.ts). */
  async budgetReached(session: Session, budget: number) {
    const origin = this.originOf(session);
    const agent = getAgentGroup(this.d.db, session.agent_group_id)?.name ?? session.agent_group_id;
    this.d.count({ kind: 'budget' });
    const text =
      `${agent} reached its monthly budget of ${budget} tokens and is paused until the 1st of next month (UTC). ` +
      'Messages sent meanwhile are kept; an admin can raise spec.budget.monthlyTokens to resume at once.';
    if (origin) await this.d.send({ kind: 'notice', to: origin, text });
    else await this.toAdmins(session, text);
  }

  private originOf(session: Session): ChatAddress | null {
    const mg = session.messaging_group_id
      ? getMessagingGroup(this.d.db, session.messaging_group_id)
      : undefined;
    return mg
      ? { channelType: mg.channel_type, platformId: mg.platform_id, threadId: session.thread_id }
      : null;
  }

  private async toAdmins(session: Session, text: string): Promise<void> {
    const { db, channels, log } = this.d;
    const target = await pickApprovalDelivery(
      db,
      channels,
      pickApprover(db, session.agent_group_id),
      null,
      log,
    );
    if (!target) {
      log.warn({ sessionId: session.id }, 'no admin can be reached for a failure notice');
      return;
    }
    const mg = target.messagingGroup;
    await this.d.send({
      kind: 'notice',
      to: { channelType: mg.channel_type, platformId: mg.platform_id, threadId: null },
      text,
    });
  }
}
