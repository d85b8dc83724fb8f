/**
 * ask_user_question: shows a question card in the conversation and waits for the answer.
 *
 * Invariants:
 * - The card is a chat row whose content carries `question {questionId, title, options}`; it is committed (and
 *   the host notified) before waiting, so the user can see it.
 * - The answer is a messages_in row of kind 'system' with content {type:'question_response', questionId, value,
 *   userId}. The tool acks exactly that row 'completed' and returns its value.
 * - The wait is bounded by timeoutSeconds and by the turn's abort signal; it wakes on inbound notices and
 *   otherwise re-reads inbound.db every poll interval.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { QuestionOption, SystemInContent } from '../../../protocol/messages.js';
import { defineTool, ToolError, type ToolContext } from './tool.js';

function newQuestionId(now = Date.now()): string {
  return `q-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The answer to `questionId` among pending system rows, if any. */
function findAnswer(
  ctx: ToolContext,
  questionId: string,
): { rowId: string; value: string; userId: string | null } | null {
  for (const row of ctx.inbound.pendingSystem()) {
    let parsed;
    try {
      parsed = SystemInContent.safeParse(JSON.parse(row.content));
    } catch {
      continue;
    }
    if (parsed.success && parsed.data.type === 'question_response' && parsed.data.questionId === questionId) {
      return { rowId: row.id, value: parsed.data.value, userId: parsed.data.userId };
    }
  }
  return null;
}

export const askUserQuestion = defineTool({
  name: 'ask_user_question',
  description:
    'Ask the user a multiple-choice question (shown with buttons) and wait for the answer. Returns the value ' +
    'of the chosen option; fails if nobody answers within timeoutSeconds.',
  shape: {
    title: z.string().min(1).max(200),
    question: z.string().min(1).max(4_000),
    options: z.array(QuestionOption).min(1).max(10),
    timeoutSeconds: z.number().int().min(1).max(3_600).default(300),
  },
  handler: async ({ title, question, options, timeoutSeconds }, ctx) => {
    const values = new Set(options.map((o) => o.value));
    if (values.size !== options.length) throw new ToolError('Option values must be unique.');
    const questionId = newQuestionId();
    ctx.outbound.commit({
      messages: [
        {
          kind: 'chat',
          address: ctx.turn.replyTo,
          inReplyTo: ctx.turn.inReplyTo,
          content: { text: question, question: { questionId, title, options } },
        },
      ],
    });
    ctx.log.info({ tool: 'ask_user_question', questionId, timeoutSeconds }, 'question asked');
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const answer = findAnswer(ctx, questionId);
      if (answer) {
        ctx.outbound.commit({ acks: [{ id: answer.rowId, status: 'completed' }] });
        ctx.log.info({ tool: 'ask_user_question', questionId, userId: answer.userId }, 'question answered');
        return answer.value;
      }
      const left = deadline - Date.now();
      if (ctx.signal.aborted)
        throw new ToolError(`Question ${questionId} was abandoned: the runner is stopping.`);
      if (left <= 0) {
        throw new ToolError(`No answer to question ${questionId} ("${title}") within ${timeoutSeconds} s.`);
      }
      await ctx.inboundSignal.wait(Math.min(left, ctx.pollIntervalMs), ctx.signal);
    }
  },
});
