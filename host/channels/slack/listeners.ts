/**
 * What the Slack app listens to, wired to the host's sink: message and app_mention events become InboundMessages,
 * question-button clicks become sink.onAction calls.
 *
 * Invariants:
 * - A listener only throws when the sink did (the host could not take the message), as NotTakenError: the
 *   receiver then does not ack, so Slack redelivers. Everything else that goes wrong (a malformed
 *   payload, a failed name lookup, a failed ephemeral note) is logged and the event is acked and dropped.
 * - The clicker is `body.user` of the block_actions payload (`<team>:<user>`), never the button's value.
 * - A clicker whose click did not answer (not theirs, question gone) is told so with an ephemeral message only
 *   they see; an answered card loses its buttons and says who answered.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ClickOutcome, InboundAttachment, InboundSink } from '../adapter.js';
import { mapSlackEvent, type BotIdentity, type SlackFile } from './inbound.js';
import { escapeMrkdwn } from './mrkdwn.js';
import { QUESTION_ACTION, parseQuestionAction } from './question-blocks.js';
import { NotTakenError } from './receivers.js';
import type { UserNames } from './user-names.js';

export interface ListenerDeps {
  channelType: string;
  bot: BotIdentity;
  sink: InboundSink;
  web: webApi.WebClient;
  names: UserNames;
  attachment(file: SlackFile): InboundAttachment;
  log: Logger;
}

const NOT_ANSWERED: Record<Exclude<ClickOutcome, 'answered'>, string> = {
  not_yours: 'This question was asked of someone else, so your answer was not taken.',
  no_such_question: 'This question is no longer open.',
};

async function onMessageEvent(d: ListenerDeps, body: unknown): Promise<void> {
  const mapped = mapSlackEvent(d.channelType, body, d.bot);
  const eventId = (body as { event_id?: unknown } | null)?.event_id;
  if (!mapped.ok) {
    d.log.debug({ eventId, reason: mapped.reason }, 'slack event dropped');
    return;
  }
  const { message, userId, files } = mapped.value;
  const outcome = await d.sink
    .onMessage({
      ...message,
      senderName: await d.names.get(userId),
      ...(files.length > 0 ? { attachments: files.map((f) => d.attachment(f)) } : {}),
    })
    .catch((err: unknown) => {
      throw new NotTakenError(
        `host did not take slack message ${message.messageId}: ${(err as Error).message}`,
        { cause: err },
      );
    });
  d.log.debug({ eventId, messageId: message.messageId, ...outcome }, 'slack message routed');
}

async function markAnswered(d: ListenerDeps, body: BlockAction, label: string): Promise<void> {
  const channel = body.channel?.id;
  const ts = body.message?.ts;
  if (!channel || !ts) return;
  const kept = ((body.message?.blocks ?? []) as webApi.KnownBlock[]).filter((b) => b.type !== 'actions');
  const note = `✅ ${escapeMrkdwn(label)} — answered by <@${body.user.id}>`;
  await d.web.chat.update({
    channel,
    ts,
    text: typeof body.message?.text === 'string' ? body.message.text : note,
    blocks: [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }],
  });
}

async function onQuestionClick(d: ListenerDeps, body: BlockAction, action: ButtonAction): Promise<void> {
  const question = parseQuestionAction(action.action_id);
  const team = body.user.team_id ?? body.team?.id;
  if (!question || !team) {
    d.log.warn({ actionId: action.action_id }, 'slack button click without a question or team; dropped');
    return;
  }
  const outcome = await d.sink
    .onAction({
      channelType: d.channelType,
      questionId: question.questionId,
      choice: { value: action.value ?? '' },
      senderHandle: `${team}:${body.user.id}`,
      senderName: (await d.names.get(body.user.id)) ?? body.user.name ?? null,
    })
    .catch((err: unknown) => {
      throw new NotTakenError(
        `host did not take the click on ${question.questionId}: ${(err as Error).message}`,
        { cause: err },
      );
    });
  try {
    if (outcome === 'answered') await markAnswered(d, body, action.text.text);
    else if (body.channel?.id)
      await d.web.chat.postEphemeral({
        channel: body.channel.id,
        user: body.user.id,
        text: NOT_ANSWERED[outcome],
        ...(body.message?.thread_ts ? { thread_ts: body.message.thread_ts as string } : {}),
      });
  } catch (err) {
    d.log.warn(
      { questionId: question.questionId, outcome, err: (err as Error).message },
      'slack click note failed',
    );
  }
}

export function registerListeners(app: App, d: ListenerDeps): void {
  app.event('message', ({ body }) => onMessageEvent(d, body));
  app.event('app_mention', ({ body }) => onMessageEvent(d, body));
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: QUESTION_ACTION },
    async (args) => {
      await args.ack();
      if (args.action.type !== 'button') return;
      await onQuestionClick(d, args.body, args.action);
    },
  );
  // Rethrow to the receiver, which acks everything but a NotTakenError.
  app.error((err) => {
    if (err instanceof NotTakenError)
      d.log.warn({ err: err.message }, 'slack event not taken; Slack will redeliver it');
    return Promise.reject(err);
  });
}
