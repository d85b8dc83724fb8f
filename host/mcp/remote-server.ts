/**
 * Looks up a remote MCP server of an agent group in the central DB (its projected spec.mcpServers), at request
 * time: a change to the AgentGroup applies to the next forwarded call without a runner restart.
 */
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup, runnerConfigOf } from '../db/agent-groups.js';
import type { McpRemoteUpstream } from '../db/runner-config.js';

export function remoteMcpServer(
  db: CentralDb,
  agentGroupId: string,
  name: string,
): McpRemoteUpstream | undefined {
  const group = getAgentGroup(db, agentGroupId);
  if (!group) return undefined;
  for (const s of runnerConfigOf(group).mcpServers ?? []) if ('type' in s && s.name === name) return s;
  return undefined;
}
