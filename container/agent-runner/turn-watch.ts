/**
 * Watches inbound.db while one turn runs: pushes follow-ups into it and takes /stop (follow-ups.ts plans, this
 * applies).
 *
 * Invariants:
 * - It looks when woken (an inbound notice), every poll interval, and when the provider opens the feed; never
 *   after `finish()`.
 * - A follow-up is claimed ('processing' acks) before the provider sees it and joins the turn's ids, so the
 *   turn's one outcome transaction completes, fails or releases it with the rest. Without an open feed nothing
 *   is claimed: the rows stay for the next turn. Neither once the runner drains (shutdown asked): the rows stay
 *   for the next runner.
 * - A /stop from an admin or from a sender of a triggering message of this turn is claimed, aborts `stop` and
 *   ends the feed; the turn's outcome answers it. Any other /stop is refused at once (reply + 'completed' ack),
 *   and the turn goes on.
 */
import { isoNow } from '../../protocol/session-db.js';
import { STOP_REFUSED_REPLY } from '../../protocol/commands.js';
import { mayStop } from './command-gate.js';
import { planDuringTurn, type ReplyAddress } from './follow-ups.js';
import type { InboundReader, Routing } from './inbound-reader.js';
import type { InboundMessage } from './inbound-message.js';
import type { Logger } from './logger.js';
import type { OutboundWriter } from './outbound-writer.js';
import { formatPrompt } from './prompt.js';
import type { FollowUp, FollowUpFeed } from './providers/provider.js';
import type { WakeSignal } from './wake-signal.js';

const WINDOW = 500;

export interface TurnWatchDeps {
  inbound: InboundReader;
  outbound: OutboundWriter;
  wake: WakeSignal;
  pollIntervalMs: number;
  maxBatch: number;
  adminUserIds: ReadonlySet<string>;
  /** Once aborted (the runner stops after this turn), no more follow-ups are taken; /stop still is. */
  draining: AbortSignal;
  addressOf: (m: InboundMessage) => Routing;
  log: Logger;
}

export class TurnWatch implements FollowUpFeed {
  /** Every row this turn answers, follow-ups included. */
  readonly ids: string[];
  /** The /stop that ended the turn, once one did. */
  stopMessage: InboundMessage | null = null;
  private readonly senders = new Set<string>();
  private readonly stopping = new AbortController();
  private readonly done = new AbortController();
  private take: ((f: FollowUp) => void) | null = null;

  constructor(
    private readonly d: TurnWatchDeps,
    messages: InboundMessage[],
    private readonly address: ReplyAddress,
  ) {
    this.ids = messages.map((m) => m.row.id);
    this.addSenders(messages);
  }

  get stop(): AbortSignal {
    return this.stopping.signal;
  }

  open(take: (f: FollowUp) => void): () => void {
    this.take = take;
    this.lookSafely();
    return () => {
      if (this.take === take) this.take = null;
    };
  }

  /** Looks until `finish()`. */
  async run(): Promise<void> {
    while (!this.done.signal.aborted) {
      await this.d.wake.wait(this.d.pollIntervalMs, this.done.signal);
      if (!this.done.signal.aborted) this.lookSafely();
    }
  }

  finish(): void {
    this.take = null;
    this.done.abort();
  }

  private lookSafely(): void {
    try {
      this.look();
    } catch (err) {
      this.d.log.error({ err }, 'looking for follow-ups failed; trying again at the next look');
    }
  }

  private look(): void {
    if (this.stopMessage || this.done.signal.aborted) return;
    const rows = this.d.inbound.eligible(isoNow(), WINDOW);
    if (rows.length === 0) return;
    const plan = planDuringTurn(rows, this.address, { maxBatch: this.d.maxBatch });
    if (plan.stop) return this.onStop(plan.stop);
    const take = this.take;
    if (!take || plan.followUps.length === 0 || this.d.draining.aborted) return;
    const ids = plan.followUps.map((m) => m.row.id);
    this.d.outbound.claim(ids);
    this.ids.push(...ids);
    this.addSenders(plan.followUps);
    this.d.log.info({ followUps: ids }, 'follow-up pushed into the running turn');
    take({ messages: plan.followUps, prompt: formatPrompt(plan.followUps) });
  }

  private onStop(m: InboundMessage): void {
    const sender = m.kind === 'chat' ? m.chat.sender : null;
    if (!mayStop(m, this.senders, this.d.adminUserIds)) {
      this.d.outbound.commit({
        messages: [
          {
            kind: 'chat',
            address: this.d.addressOf(m),
            inReplyTo: m.row.id,
            content: { text: STOP_REFUSED_REPLY },
          },
        ],
        acks: [{ id: m.row.id, status: 'completed' }],
      });
      this.d.log.warn({ messageId: m.row.id, userId: sender }, '/stop refused: not an admin or a sender');
      return;
    }
    this.d.outbound.claim([m.row.id]);
    this.stopMessage = m;
    this.take = null;
    this.stopping.abort();
    this.d.log.info({ messageId: m.row.id, userId: sender }, 'turn stopped by /stop');
  }

  private addSenders(messages: InboundMessage[]): void {
    for (const m of messages)
      if (m.kind === 'chat' && m.row.trigger === 1 && m.chat.sender) this.senders.add(m.chat.sender);
  }
}
