/**
 * What the host's own card flows (sender approvals, channel registrations) share: a periodic tick that finishes
 * what a previous process left (unsent cards, expiries, replays), the router they replay held messages through
 * (given at start: it is built after them), and telling the person a card went to how it ended.
 *
 * Invariant: the tick runs once at start before the interval begins, so work recorded before a restart is
 * picked up first; a flow that is not started replays nothing (its first tick after start does).
 */
import type { InboundMessage } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';

export type Route = (msg: InboundMessage) => Promise<unknown>;

export abstract class CardFlow {
  private timer: NodeJS.Timeout | null = null;
  /** Routes a held message as if it had just arrived. */
  protected route: Route | null = null;

  constructor(
    private readonly cardDb: CentralDb,
    private readonly sendMessage: (m: HostMessageInput) => Promise<unknown>,
  ) {}

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
    const chat = cardChatId ? getMessagingGroup(this.cardDb, cardChatId) : undefined;
    if (!chat) return;
    await this.sendMessage({
      kind,
      to: { channelType: chat.channel_type, platformId: chat.platform_id, threadId: null },
      text,
    });
  }
}
