import type { Migration } from '../migrate.js';

/**
 * Sessions (one conversation = one runner), the dropped-message audit, pending unknown-sender approvals and
 * pending question cards. Frozen: never edit a shipped migration, add a new one.
 */
export const sessions: Migration = {
  id: 2,
  name: 'sessions',
  sql: `
CREATE TABLE sessions (
  id                 TEXT PRIMARY KEY,
  agent_group_id     TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  messaging_group_id TEXT REFERENCES messaging_groups(id) ON DELETE SET NULL,
  thread_id          TEXT,
  session_mode       TEXT NOT NULL CHECK (session_mode IN ('shared', 'per-thread', 'agent-shared')),
  status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  runner_token_hash  TEXT,
  next_wake_at       TEXT,
  last_active        TEXT NOT NULL,
  created_at         TEXT NOT NULL
);
CREATE INDEX idx_sessions_lookup ON sessions(agent_group_id, messaging_group_id, thread_id, status);
CREATE INDEX idx_sessions_wake ON sessions(next_wake_at) WHERE next_wake_at IS NOT NULL;
CREATE UNIQUE INDEX idx_sessions_token ON sessions(runner_token_hash) WHERE runner_token_hash IS NOT NULL;

CREATE TABLE dropped_messages (
  channel_type       TEXT NOT NULL,
  platform_id        TEXT NOT NULL,
  user_id            TEXT NOT NULL DEFAULT '',
  reason             TEXT NOT NULL,
  messaging_group_id TEXT,
  agent_group_id     TEXT,
  sender_name        TEXT,
  message_count      INTEGER NOT NULL DEFAULT 1,
  first_seen         TEXT NOT NULL,
  last_seen          TEXT NOT NULL,
  PRIMARY KEY (channel_type, platform_id, user_id, reason)
);
CREATE INDEX idx_dropped_last_seen ON dropped_messages(last_seen);

CREATE TABLE pending_sender_approvals (
  id                 TEXT PRIMARY KEY,
  messaging_group_id TEXT NOT NULL REFERENCES messaging_groups(id) ON DELETE CASCADE,
  agent_group_id     TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  sender_id          TEXT NOT NULL,
  sender_name        TEXT,
  original_message   TEXT NOT NULL CHECK (json_valid(original_message)),
  approver_user_id   TEXT,
  created_at         TEXT NOT NULL,
  UNIQUE (messaging_group_id, sender_id)
);

CREATE TABLE pending_questions (
  question_id    TEXT PRIMARY KEY,
  session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  message_out_id TEXT NOT NULL,
  channel_type   TEXT NOT NULL,
  platform_id    TEXT NOT NULL,
  thread_id      TEXT,
  title          TEXT NOT NULL,
  options        TEXT NOT NULL CHECK (json_valid(options)),
  created_at     TEXT NOT NULL
);
`,
};
