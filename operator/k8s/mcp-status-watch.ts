/**
 * Notices new MCP server reports in the central DB (the host writes them when a runner starts; see
 * host/db/mcp-status.ts) and queues the AgentGroups they belong to, so their McpServersReady condition follows
 * within one poll instead of waiting for the periodic resync.
 *
 * Invariants: one cheap grouped query per poll; only agent groups whose newest report changed are queued; a DB
 * error is logged and the next poll tries again. The projection recomputes the condition, so a queued group whose
 * condition is unchanged writes nothing.
 */
import type { Logger } from 'pino';
import type { CentralDb } from '../../host/db/central-db.js';
import type { NanoclawObject } from '../api/v1alpha1/kinds.js';
import { projectedId, type IdScope } from '../projection/ids.js';

const MCP_STATUS_POLL_MS = 2000;

export interface McpStatusWatchOptions {
  db: CentralDb;
  scope: IdScope;
  agentGroups: () => NanoclawObject[];
  enqueue: (obj: NanoclawObject) => void;
  log: Logger;
  intervalMs?: number;
}

export function watchMcpStatus(o: McpStatusWatchOptions): () => void {
  const seen = new Map<string, string>();
  const poll = (): void => {
    let rows: { agent_group_id: string; at: string | null }[];
    try {
      rows = o.db.all(
        o.db.q
          .selectFrom('mcp_server_status')
          .select((eb) => ['agent_group_id', eb.fn.max('reported_at').as('at')])
          .groupBy('agent_group_id'),
      );
    } catch (err) {
      o.log.warn({ reason: (err as Error).message }, 'could not read MCP server reports');
      return;
    }
    const changed = new Set<string>();
    for (const r of rows) {
      const at = r.at ?? '';
      if (seen.get(r.agent_group_id) !== at) changed.add(r.agent_group_id);
      seen.set(r.agent_group_id, at);
    }
    if (!changed.size) return;
    for (const ag of o.agentGroups()) {
      if (changed.has(projectedId(ag.metadata.namespace, ag.metadata.name, o.scope))) o.enqueue(ag);
    }
  };
  const timer = setInterval(poll, o.intervalMs ?? MCP_STATUS_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
