/**
 * send_message(to?, text): a chat row in messages_out, to where the turn's reply goes or to a named destination
 * (destination.ts says how `to` is resolved and refused).
 */
import { z } from 'zod';
import { resolveDestination } from './destination.js';
import { defineTool } from './tool.js';

const MAX_TEXT = 32_000;

export const sendMessage = defineTool({
  name: 'send_message',
  description:
    'Send a chat message now. Without "to" it goes to the conversation you are answering; with "to" it goes to ' +
    'one of your named destinations. Your final answer is sent automatically; use this for progress updates or ' +
    'to reach another destination.',
  shape: {
    to: z.string().min(1).max(200).optional().describe('Destination name; omit for the current conversation'),
    text: z.string().min(1).max(MAX_TEXT).describe('Message text'),
  },
  handler: async ({ to, text }, ctx) => {
    const { address, inReplyTo } = resolveDestination(ctx, 'send_message', to);
    const [w] = ctx.outbound.commit({
      messages: [{ kind: 'chat', address, inReplyTo, content: { text } }],
    });
    ctx.log.info({ tool: 'send_message', to: to ?? '(reply)', outId: w?.id }, 'message queued');
    return Promise.resolve(`Message sent to ${to ?? 'the current conversation'} (id ${w?.id}).`);
  },
});
