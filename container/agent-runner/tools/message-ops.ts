/**
 * edit_message and add_reaction: changes to messages already in the conversation, written as chat rows with
 * `op` (protocol ChatOpContent). The host turns the id into the platform's message id and calls the channel; a
 * channel that cannot edit or react makes the row fail (the agent is not blocked on it).
 *
 * Invariant: the id must name a message of this session — a message this runner sent (edit, reaction) or one it
 * was given (reaction) — so an agent cannot touch messages of other conversations; the host checks again.
 */
import { z } from 'zod';
import { defineTool, ToolError } from './tool.js';

const messageId = z.string().min(1).max(300);

export const editMessage = defineTool({
  name: 'edit_message',
  description:
    'Replace the text of a message you sent earlier in this conversation (the id send_message returned). ' +
    'Use it to update a progress message instead of sending a new one.',
  shape: {
    messageId: messageId.describe('Id of a message you sent (from send_message)'),
    text: z.string().min(1).max(32_000).describe('The new text'),
  },
  handler: ({ messageId: id, text }, ctx) => {
    if (!ctx.outbound.hasSentMessage(id)) throw new ToolError(`No message you sent has id ${id}.`);
    const [w] = ctx.outbound.commit({
      messages: [
        {
          kind: 'chat',
          address: ctx.turn.replyTo,
          inReplyTo: null,
          content: { op: 'edit', messageId: id, text },
        },
      ],
    });
    ctx.log.info({ tool: 'edit_message', target: id, outId: w?.id }, 'edit queued');
    return Promise.resolve(`Edit of ${id} queued.`);
  },
});

export const addReaction = defineTool({
  name: 'add_reaction',
  description:
    'React to a message in this conversation with an emoji (a single Unicode emoji such as 👍). The id is a ' +
    'message id from the conversation (the id="…" of a message) or one returned by send_message.',
  shape: {
    messageId: messageId.describe('Id of a message in this conversation'),
    emoji: z.string().min(1).max(32).describe('One Unicode emoji, e.g. 👍'),
  },
  handler: ({ messageId: id, emoji }, ctx) => {
    if (!ctx.inbound.hasChatMessage(id) && !ctx.outbound.hasSentMessage(id))
      throw new ToolError(`No message in this conversation has id ${id}.`);
    const [w] = ctx.outbound.commit({
      messages: [
        {
          kind: 'chat',
          address: ctx.turn.replyTo,
          inReplyTo: null,
          content: { op: 'reaction', messageId: id, emoji },
        },
      ],
    });
    ctx.log.info({ tool: 'add_reaction', target: id, outId: w?.id }, 'reaction queued');
    return Promise.resolve(`Reaction ${emoji} on ${id} queued.`);
  },
});
