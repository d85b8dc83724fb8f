import type { Migration } from '../migrate.js';

/**
 * `archived_sessions`: sessions of an agent group removed by a configuration change. Deleting an agent_groups row
 * cascades to its sessions, so the projection copies them here first; when an agent group with the same id and
 * folder is projected again, they move back to `sessions` (closed: a runner is started on the next message).
 * No foreign key to agent_groups (the group is gone by design); `archive_dir` is the session's directory under
 * the data dir's archive (null when it had none on disk). Frozen: never edit a shipped migration, add a new one.
 */
export const archivedSessions: Migration = {
  id: 7,
  name: 'archived-sessions',
  sql: `
CREATE TABLE archived_sessions (
  id                 TEXT PRIMARY KEY,
  agent_group_id     TEXT NOT NULL,
  folder             TEXT NOT NULL,
  messaging_group_id TEXT,
  thread_id          TEXT,
  session_mode       TEXT NOT NULL CHECK (session_mode IN ('shared', 'per-thread', 'agent-shared')),
  status             TEXT NOT NULL CHECK (status IN ('active', 'closed')),
  last_active        TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  archived_at        TEXT NOT NULL,
  archive_dir        TEXT
);
CREATE INDEX idx_archived_sessions_group ON archived_sessions(agent_group_id, folder);
`,
};
