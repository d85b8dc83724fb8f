/**
 * Who a session's running turn answers, as the host can tell: the runner's 'processing' claims in outbound.db,
 * looked up in the host's own inbound.db. Used by the router's /stop gate.
 *
 * Invariants:
 * - null means no claim, so no turn runs; [] means a turn runs that answers nobody (a scheduled task), which
 *   only an admin may stop.
 * - The senders come from the host's rows, never from runner-written text; the runner only names claimed ids,
 *   so a runner lying about its claims can at most let more people stop its own session.
 */
import { ChatInContent } from '../../protocol/messages.js';
import type { InboundDb } from '../../protocol/session-db.js';
import type { HostOutbound } from './host-outbound.js';

/** More claims than one turn holds (a batch plus its follow-ups). */
const MAX_CLAIMS = 200;

export function runningTurnSenders(inbound: InboundDb, outbound: HostOutbound | null): string[] | null {
  const claims = outbound?.processingClaims(MAX_CLAIMS) ?? [];
  if (claims.length === 0) return null;
  const senders = new Set<string>();
  const row = inbound.prepare(
    `SELECT content FROM messages_in WHERE id = ? AND kind = 'chat' AND trigger = 1 AND status = 'pending'`,
  );
  for (const { id } of claims) {
    const hit = row.get(id) as { content: string } | undefined;
    if (!hit) continue;
    let parsed: ReturnType<typeof ChatInContent.safeParse>;
    try {
      parsed = ChatInContent.safeParse(JSON.parse(hit.content));
    } catch {
      continue;
    }
    if (parsed.success && parsed.data.sender) senders.add(parsed.data.sender);
  }
  return [...senders];
}
