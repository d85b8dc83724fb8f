/**
 * A runner's `mcp` notice → the central DB (db/mcp-status.ts) and the host's log.
 *
 * Invariants: the session is the one the runner's token authenticated (runner-link), never a name from the
 * notice; reports about servers the agent group does not configure are dropped; a failed server is logged as a
 * warning with its bounded reason. Nothing here throws into the notification channel.
 */
import type { Logger } from 'pino';
import type { McpServerReport } from '../../protocol/mcp.js';
import type { CentralDb } from '../db/central-db.js';
import { recordMcpReports } from '../db/mcp-status.js';
import { getSession } from '../session/session-store.js';

export function recordMcpNotice(
  db: CentralDb,
  log: Logger,
  sessionId: string,
  servers: readonly McpServerReport[],
): void {
  try {
    const session = getSession(db, sessionId);
    if (!session) return;
    const kept = recordMcpReports(db, session, servers);
    if (kept.length < servers.length) {
      log.warn(
        { sessionId, agentGroup: session.agent_group_id, dropped: servers.length - kept.length },
        'runner reported MCP servers its agent group does not configure; ignored',
      );
    }
    for (const r of kept.filter((k) => k.state === 'failed')) {
      log.warn(
        { sessionId, agentGroup: session.agent_group_id, mcpServer: r.name, err: r.error },
        'MCP server failed to start in a runner',
      );
    }
  } catch (err) {
    log.error({ sessionId, err: (err as Error).message }, 'could not record the MCP server report');
  }
}
