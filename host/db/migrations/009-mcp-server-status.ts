import type { Migration } from '../migrate.js';

/**
 * What the runners of an agent group found when they started its own MCP servers (AgentGroup spec.mcpServers):
 * one row per (agent group, server), the newest report wins. The host writes it from a runner's `mcp` notice
 * (untrusted input: only servers the group configures, error text bounded); the operator shows it as the
 * AgentGroup's `McpServersReady` condition. Rows go with their agent group.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const mcpServerStatus: Migration = {
  id: 9,
  name: 'mcp-server-status',
  sql: `
CREATE TABLE mcp_server_status (
  agent_group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  server_name    TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('ready', 'failed')),
  tools          INTEGER NOT NULL,
  error          TEXT,
  session_id     TEXT NOT NULL,
  reported_at    TEXT NOT NULL,
  PRIMARY KEY (agent_group_id, server_name)
);
`,
};
