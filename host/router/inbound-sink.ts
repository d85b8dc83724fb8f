/**
 * What every channel adapter hands its traffic to: messages go through pairing (a pending code's exact text) and
 * then the router; card clicks go to the host's own cards (sender approvals, channel registrations) or to the
 * asking session (question cards).
 *
 * Invariants:
 * - The clicker and the sender are the adapter's platform ids, namespaced by the adapter's user namespace
 *   (`telegram` for every Telegram bot); nothing in a button or a text names who acts.
 * - A click counts only when the clicker may decide (host/approvals) or answer (host/access/question-right.ts).
 * - Pairing sees a message before routing only when it is exactly a code and a code is pending; a pairing
 *   message never reaches an agent.
 */
import type { Logger } from 'pino';
import { pairingReply, tryPairing } from '../access/pairing.js';
import { mayAnswerQuestion } from '../access/question-right.js';
import type {
  ChannelRegistry,
  ClickOutcome,
  InboundMessage,
  InboundOutcome,
  InboundSink,
  QuestionClick,
} from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { namespacedUserId } from '../db/users.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';
import { answerQuestion } from '../session/question-response.js';
import type { SessionManager } from '../session/session-manager.js';
import type { RouteResult } from './route-inbound.js';

export interface HostCards {
  isCard(questionId: string): boolean;
  click(click: Pick<QuestionClick, 'questionId' | 'choice'>, userId: string): Promise<ClickOutcome>;
}

export interface InboundSinkDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  sessions: SessionManager;
  route(msg: InboundMessage): Promise<RouteResult>;
  send(m: HostMessageInput): Promise<unknown>;
  /** The host's own cards (host/approvals/): the first whose isCard claims the question id decides the click. */
  cards: HostCards[];
  countPairing(labels: { channel: string; result: string }): void;
  log: Logger;
}

export function createInboundSink(d: InboundSinkDeps): InboundSink {
  const { db, channels, log } = d;
  const namespaceOf = (channelType: string): string =>
    channels.get(channelType)?.userNamespace ?? channelType;
  return {
    onMessage: async (msg: InboundMessage): Promise<InboundOutcome> => {
      const pairing = tryPairing(db, { ...msg, userNamespace: namespaceOf(msg.channelType) });
      if (pairing.kind !== 'not_pairing') {
        d.countPairing({ channel: msg.channelType, result: pairing.kind });
        log.info({ channel: msg.channelType, ...pairing }, 'pairing attempt');
        const agent =
          pairing.kind === 'paired' && pairing.agentGroupId
            ? getAgentGroup(db, pairing.agentGroupId)
            : undefined;
        const text = pairingReply(pairing, agent?.name ?? null);
        if (text) await d.send({ kind: 'pairing', to: msg, text, inReplyTo: msg.messageId });
        return { delivered: 0, dropped: pairing.kind === 'paired' ? null : 'pairing_refused' };
      }
      const r = await d.route(msg);
      return { delivered: r.delivered.length, dropped: r.dropped };
    },
    onAction: async (click: QuestionClick): Promise<ClickOutcome> => {
      const userId = namespacedUserId(namespaceOf(click.channelType), click.senderHandle);
      const host = d.cards.find((c) => c.isCard(click.questionId));
      if (host) return host.click(click, userId);
      const right = mayAnswerQuestion(db, {
        questionId: click.questionId,
        userId,
        channelType: click.channelType,
      });
      const outcome =
        right !== 'allowed'
          ? right
          : (await answerQuestion(db, d.sessions, { ...click, userId }))
            ? 'answered'
            : 'no_such_question';
      log.info(
        { channel: click.channelType, questionId: click.questionId, userId, outcome },
        'question card click',
      );
      return outcome;
    },
  };
}
