import type { Migration } from '../migrate.js';

/**
 * `pending_agent_changes`: a runner asked for a configuration change (`create_agent`: a child agent group;
 * `add_mcp_server`: a stdio MCP server on its own group; `add_egress_host`: a host its runners may reach), and an owner or admin of that agent group decides on a
 * card in their DM. `payload` is the validated request (JSON); one row per runner row that asked
 * (`session_id`, `message_out_id` unique), so a request delivered twice after a crash makes one card. An approval is
 * written as configuration (an AgentGroup object or a manifest file) — never as rows the operator would prune —
 * and `result` says where it went, or why writing failed.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const agentChanges: Migration = {
  id: 13,
  name: 'agent-changes',
  sql: `
CREATE TABLE pending_agent_changes (
  id                      TEXT PRIMARY KEY,
  agent_group_id          TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  session_id              TEXT NOT NULL,
  message_out_id          TEXT NOT NULL,
  action                  TEXT NOT NULL CHECK (action IN ('create_agent', 'add_mcp_server', 'add_egress_host')),
  payload                 TEXT NOT NULL,
  requested_by            TEXT,
  status                  TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'unreachable', 'approved', 'applied', 'rejected', 'expired', 'failed')),
  approver_user_id        TEXT,
  card_messaging_group_id TEXT REFERENCES messaging_groups(id) ON DELETE SET NULL,
  decided_by              TEXT,
  decided_at              TEXT,
  result                  TEXT,
  created_at              TEXT NOT NULL,
  expires_at              TEXT NOT NULL,
  UNIQUE (session_id, message_out_id)
);
CREATE INDEX idx_agent_changes_status ON pending_agent_changes(status, expires_at);
`,
};
