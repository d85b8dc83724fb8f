/**
 * The newest runner report about each of an agent group's own MCP servers (table mcp_server_status).
 *
 * Invariants:
 * - A report is untrusted runner input. It was parsed against protocol/mcp.ts (bounded fields) on the way in;
 *   here only servers the session's agent group configures right now are kept, so a runner cannot invent names,
 *   and the error text is flattened to one line again.
 * - Reading filters by the current configuration: a server removed from the spec never shows, whatever is stored.
 */
import { MCP_ERROR_MAX, type McpServerReport } from '../../protocol/mcp.js';
import { getAgentGroup, runnerConfigOf } from './agent-groups.js';
import { nowIso, type CentralDb } from './central-db.js';
import type { McpServerStatus } from './schema.js';

function configuredNames(db: CentralDb, agentGroupId: string): Set<string> {
  const group = getAgentGroup(db, agentGroupId);
  return new Set((group ? (runnerConfigOf(group).mcpServers ?? []) : []).map((s) => s.name));
}

function cleanError(text: string | undefined): string | null {
  if (text === undefined) return null;
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MCP_ERROR_MAX);
}

/** Stores what a session's runner reported; returns the reports kept (those about configured servers). */
export function recordMcpReports(
  db: CentralDb,
  session: { id: string; agent_group_id: string },
  reports: readonly McpServerReport[],
): McpServerReport[] {
  const names = configuredNames(db, session.agent_group_id);
  const kept = reports.filter((r) => names.has(r.name));
  const now = nowIso();
  db.tx(() => {
    for (const r of kept) {
      const row = {
        state: r.state,
        tools: r.state === 'ready' ? r.tools : 0,
        error: r.state === 'failed' ? (cleanError(r.error) ?? 'failed') : null,
        session_id: session.id,
        reported_at: now,
      };
      db.run(
        db.q
          .insertInto('mcp_server_status')
          .values({ agent_group_id: session.agent_group_id, server_name: r.name, ...row })
          .onConflict((oc) => oc.columns(['agent_group_id', 'server_name']).doUpdateSet(row)),
      );
    }
  });
  return kept;
}

/** The stored reports of the servers the agent group configures now, by server name. */
export function mcpStatusOf(db: CentralDb, agentGroupId: string): McpServerStatus[] {
  const names = configuredNames(db, agentGroupId);
  return db
    .all(
      db.q
        .selectFrom('mcp_server_status')
        .selectAll()
        .where('agent_group_id', '=', agentGroupId)
        .orderBy('server_name'),
    )
    .filter((r) => names.has(r.server_name));
}
