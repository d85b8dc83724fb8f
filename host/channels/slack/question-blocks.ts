/**
 * Question cards as Block Kit: a section with the title and question, then buttons whose `action_id` is
 * `q:<questionId>:<option index>` and whose `value` is the option's value. A click comes back as a block_actions
 * payload; parseQuestionAction reads the question id back from the action id (the clicker's identity comes from
 * the payload's user, never from the button).
 *
 * Invariants: button labels fit Block Kit's 75-character limit, the section its 3,000; at most 25 buttons per
 * actions block (Block Kit's limit), more options get more blocks; an option value over Slack's 2,000-character
 * button value limit is refused rather than cut (a cut value would answer something else).
 */
import type { OutboundPayload } from '../adapter.js';
import { SLACK_TEXT_LIMIT, escapeMrkdwn, toMrkdwn } from './mrkdwn.js';

type QuestionCard = NonNullable<OutboundPayload['question']>;

const LABEL_LIMIT = 75;
const VALUE_LIMIT = 2000;
const BUTTONS_PER_BLOCK = 25;
const ACTION_PREFIX = 'q:';

export const QUESTION_ACTION = /^q:.+:\d+$/;

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

export interface SlackCard {
  text: string;
  blocks: Record<string, unknown>[];
}

export function questionBlocks(card: QuestionCard): SlackCard {
  const heading = `*${escapeMrkdwn(card.title)}*`;
  const body = toMrkdwn(card.question);
  const section = clip(body ? `${heading}\n${body}` : heading, SLACK_TEXT_LIMIT);
  const buttons = card.options.map((o, i) => {
    if (o.value.length > VALUE_LIMIT)
      throw new Error(
        `question ${card.questionId}: option ${i} value is ${o.value.length} characters, Slack allows ${VALUE_LIMIT}`,
      );
    return {
      type: 'button',
      action_id: `${ACTION_PREFIX}${card.questionId}:${i}`,
      text: { type: 'plain_text', text: clip(o.label || o.value || '—', LABEL_LIMIT), emoji: true },
      value: o.value,
    };
  });
  const actions: Record<string, unknown>[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_BLOCK)
    actions.push({ type: 'actions', elements: buttons.slice(i, i + BUTTONS_PER_BLOCK) });
  return {
    text: clip(`${card.title}: ${card.question}`, SLACK_TEXT_LIMIT),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: section } }, ...actions],
  };
}

/** The question a button belongs to, from its action id; null for an action that is not a question button. */
export function parseQuestionAction(actionId: string): { questionId: string } | null {
  if (!QUESTION_ACTION.test(actionId)) return null;
  const questionId = actionId.slice(ACTION_PREFIX.length, actionId.lastIndexOf(':'));
  return { questionId };
}
