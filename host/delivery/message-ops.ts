/**
 * What an agent's edit or reaction (protocol ChatOpContent) points at on the platform.
 *
 * Invariants:
 * - The target is looked up in files the host writes (inbound.db): a message the session was given
 *   (messages_in: its platform id and chat) or one delivery sent for it (`delivered.platform_message_id`). A
 *   runner can name only ids of its own session, and an id without a platform message id is refused.
 * - An edit may only change a message the agent sent; a reaction may target either kind.
 */
import type { ChatOpContent } from '../../protocol/messages.js';
import type { InboundDb } from '../../protocol/session-db.js';
import type { ChatAddress } from '../channels/adapter.js';

class OpTargetError extends Error {
  override readonly name = 'OpTargetError';
}

export interface OpTarget {
  platformMessageId: string;
  /** The chat of the target when it is known from inbound.db (a received message); else the op row's address. */
  to: ChatAddress | null;
}

export function resolveOpTarget(inbound: InboundDb, op: ChatOpContent): OpTarget {
  const sent = inbound.first(
    inbound.q
      .selectFrom('delivered')
      .select(['platform_message_id', 'status'])
      .where('message_out_id', '=', op.messageId),
  );
  if (sent) {
    if (sent.status !== 'delivered' || !sent.platform_message_id)
      throw new OpTargetError(`message ${op.messageId} was not delivered, so it cannot be changed`);
    return { platformMessageId: sent.platform_message_id, to: null };
  }
  if (op.op === 'edit') throw new OpTargetError(`no delivered message ${op.messageId} of this agent to edit`);
  const received = inbound.first(
    inbound.q
      .selectFrom('messages_in')
      .select(['content', 'channel_type', 'platform_id', 'thread_id'])
      .where('id', '=', op.messageId)
      .where('kind', '=', 'chat'),
  );
  if (!received) throw new OpTargetError(`no message ${op.messageId} in this conversation`);
  const platformMessageId = (JSON.parse(received.content) as { platformMessageId?: unknown })
    .platformMessageId;
  if (typeof platformMessageId !== 'string' || !received.channel_type || !received.platform_id)
    throw new OpTargetError(`message ${op.messageId} has no platform message id`);
  return {
    platformMessageId,
    to: {
      channelType: received.channel_type,
      platformId: received.platform_id,
      threadId: received.thread_id,
    },
  };
}
