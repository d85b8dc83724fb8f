/**
 * What the host's own card flows (sender approvals, channel registrations) share: a periodic tick that finishes
 * what a previous process left (unsent cards, expiries, replays), the router they replay held messages through
 * (given at start: it is built after them), finding the approver's DM, sending the card there, and telling the
 * person a card went to how it ended.
 *
 * Invariants:
 * - The tick runs once at start before the interval begins, so work recorded before a restart is picked up
 *   first; a flow that is not started replays nothing (its first tick after start does).
 * - When no approver can be reached the asking message is recorded as dropped (no_approver_reachable), so the
 *   audit shows why nobody answered; the flow then marks its request unreachable.
 */
import type { Logger } from 'pino';
import { pickApprovalDelivery, type ApprovalDelivery } from '../access/pick-approval-delivery.js';
import type { ChannelRegistry, InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { MessagingGroup } from '../db/schema.js';
import type { HostCard, HostMessageInput } from '../delivery/host-outbox.js';
import { recordDrop } from '../router/dropped.js';

export type Route = (msg: InboundMessage) => Promise<unknown>;

export interface CardFlowDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  /** The host's own outbound path (host_messages). */
  send: (m: HostMessageInput) => Promise<unknown>;
  log: Logger;
}

/** Who asked, in the chat the request is about (for the drop record when nobody can answer). */
export interface Asker {
  chat: MessagingGroup;
  senderId: string | null;
  senderName: string | null;
  agentGroupId: string | null;
}

export abstract class CardFlow {
  private timer: NodeJS.Timeout | null = null;
  /** Routes a held message as if it had just arrived. */
  protected route: Route | null = null;

  constructor(private readonly base: CardFlowDeps) {}

  async start(o: { intervalMs: number; route: Route }): Promise<void> {
    this.route = o.route;
    await this.tick();
    this.timer = setInterval(() => void this.tick(), o.intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Never rejects: failures are logged by the flow. */
  abstract tick(): Promise<void>;

  /** Tells the chat a card went to (the approver's DM) how it ended; nothing when no card was sent. */
  protected async tellCardChat(
    cardChatId: string | null,
    text: string,
    kind: 'approval' | 'notice',
  ): Promise<void> {
    const chat = cardChatId ? getMessagingGroup(this.base.db, cardChatId) : undefined;
    if (!chat) return;
    await this.base.send({
      kind,
      to: { channelType: chat.channel_type, platformId: chat.platform_id, threadId: null },
      text,
    });
  }

  /**
   * The DM of the first reachable approver (origin platform first); null — with the asking message recorded as
   * dropped — when nobody can be reached.
   */
  protected async approverDm(approvers: readonly string[], a: Asker): Promise<ApprovalDelivery | null> {
    const { db, channels, log } = this.base;
    const namespace = channels.get(a.chat.channel_type)?.userNamespace ?? a.chat.channel_type;
    const target = await pickApprovalDelivery(db, channels, approvers, namespace, log);
    if (!target)
      recordDrop(db, {
        channelType: a.chat.channel_type,
        platformId: a.chat.platform_id,
        userId: a.senderId,
        senderName: a.senderName,
        reason: 'no_approver_reachable',
        messagingGroupId: a.chat.id,
        agentGroupId: a.agentGroupId,
      });
    return target;
  }

  /** Sends a card into the approver's DM. */
  protected async sendCard(to: ApprovalDelivery, text: string, card: HostCard): Promise<void> {
    await this.base.send({
      kind: 'approval',
      to: {
        channelType: to.messagingGroup.channel_type,
        platformId: to.messagingGroup.platform_id,
        threadId: null,
      },
      text,
      card,
    });
  }
}
