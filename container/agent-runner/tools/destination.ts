/**
 * Where a message tool's `to` points: a name resolved in the inbound `destinations` table (the host's projection of
 * what this agent may address), or — without `to` — where the turn's reply goes. An unknown name is a tool error
 * listing the known names, and nothing is written. Whether a target is allowed is the host's decision at delivery.
 * A message to an agent keeps `in_reply_to` = the message this turn answers, so the host can count agent-to-agent
 * hops along the chain (a message to a chat drops it: it would point into another conversation).
 */
import type { Destination } from '../../../protocol/session-db.js';
import { AGENT_CHANNEL } from '../../../protocol/vocabulary.js';
import type { Routing } from '../inbound-reader.js';
import { ToolError, type ToolContext } from './tool.js';

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

export function resolveDestination(
  ctx: ToolContext,
  tool: string,
  to: string | undefined,
): { address: Routing; inReplyTo: string | null } {
  if (to === undefined) return { address: ctx.turn.replyTo, inReplyTo: ctx.turn.inReplyTo };
  const all = ctx.inbound.destinations();
  const dest = all.find((d) => d.name === to);
  if (!dest) {
    ctx.log.warn({ tool, to, refused: 'unknown destination' }, 'send refused');
    throw new ToolError(unknownDestinationMessage(to, all));
  }
  return {
    address: addressOfDestination(dest),
    inReplyTo: dest.type === 'agent' ? ctx.turn.inReplyTo : null,
  };
}
