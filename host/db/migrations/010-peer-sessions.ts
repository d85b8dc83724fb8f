import type { Migration } from '../migrate.js';

/**
 * Agent-to-agent sessions (host/delivery/agent-route.ts): `sessions.peer_session_id` is set on the session an agent
 * group keeps for messages from one other session (the asker). Everything the target agent says there goes back to
 * that session — the return path. NULL for every session of a chat. When the asking session is deleted the link
 * is cleared and the target's replies are refused (nowhere to return them to).
 * Frozen: never edit a shipped migration, add a new one.
 */
export const peerSessions: Migration = {
  id: 10,
  name: 'peer-sessions',
  sql: `
ALTER TABLE sessions ADD COLUMN peer_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL;
CREATE INDEX idx_sessions_peer ON sessions(agent_group_id, peer_session_id, status)
  WHERE peer_session_id IS NOT NULL;
`,
};
