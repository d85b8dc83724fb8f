/** What delivery reads back from inbound.db (written by the host only) about the message a runner's row answers. */
import type { InboundDb } from '../../protocol/session-db.js';

/** Who sent an inbound message and its platform id (inbound.db is written by the host only); nulls if unknown. */
export function inboundContent(
  inbound: InboundDb,
  messageInId: string,
): { sender: string | null; platformMessageId: string | null } {
  const row = inbound.first(
    inbound.q.selectFrom('messages_in').select('content').where('id', '=', messageInId),
  );
  const content = (row ? JSON.parse(row.content) : {}) as { sender?: unknown; platformMessageId?: unknown };
  return {
    sender: typeof content.sender === 'string' ? content.sender : null,
    platformMessageId: typeof content.platformMessageId === 'string' ? content.platformMessageId : null,
  };
}
