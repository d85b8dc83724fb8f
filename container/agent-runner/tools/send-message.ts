/**
 * send_message(to?, text): a chat row in messages_out. Without `to` it goes where the turn's reply goes; with
 * `to` the name is resolved in the inbound `destinations` table (the host's projection of what this agent may
 * address). An unknown name is a tool error listing the known names, and nothing is written. Whether a target is
 * allowed is the host's decision at delivery.
 * A message to an agent keeps `in_reply_to` = the message this turn answers, so the host can count agent-to-agent
 * hops along the chain (a message to a chat drops it: it would point into another conversation).
 */
import { z } from 'zod';
import type { Destination } from '../../../protocol/session-db.js';
import { AGENT_CHANNEL } from '../../../protocol/vocabulary.js';
import type { Routing } from '../inbound-reader.js';
import { defineTool, ToolError } from './tool.js';

const MAX_TEXT = 32_000;

function addressOfDestination(d: Destination): Routing {
  return d.type === 'agent'
    ? { channelType: AGENT_CHANNEL, platformId: d.agent_group_id, threadId: null }
    : { channelType: d.channel_type, platformId: d.platform_id, threadId: null };
}

function unknownDestinationMessage(name: string, known: Destination[]): string {
  const names = known.map((d) => d.name);
  return (
    `Unknown destination "${name}". Known destinations: ${names.length ? names.join(', ') : '(none configured)'}. ` +
    'Nothing was sent. Another agent can be reached only when your agent group declares it as a peer.'
  );
}

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
    let address = ctx.turn.replyTo;
    let inReplyTo = ctx.turn.inReplyTo;
    if (to !== undefined) {
      const all = ctx.inbound.destinations();
      const dest = all.find((d) => d.name === to);
      if (!dest) {
        ctx.log.warn({ tool: 'send_message', to, refused: 'unknown destination' }, 'send refused');
        throw new ToolError(unknownDestinationMessage(to, all));
      }
      address = addressOfDestination(dest);
      if (dest.type !== 'agent') inReplyTo = null;
    }
    const [w] = ctx.outbound.commit({
      messages: [{ kind: 'chat', address, inReplyTo, content: { text } }],
    });
    ctx.log.info({ tool: 'send_message', to: to ?? '(reply)', outId: w?.id }, 'message queued');
    return Promise.resolve(`Message sent to ${to ?? 'the current conversation'} (id ${w?.id}).`);
  },
});
