import type { Migration } from '../migrate.js';

/**
 * What chat channels need the host to remember across restarts:
 * - `pending_questions.asked_of`: the user a question card was asked of (the sender of the message it answers), so
 *   who may click it is decided from the DB and not from a process's memory;
 * - `pairing_codes`: short-lived codes that link a chat account to this host (`nanoclaw pair <channel>`); only a
 *   SHA-256 of the code is stored, with its wrong-guess count and who used it;
 * - `host_messages.kind` gains the kinds of what the host says on its own initiative: pairing confirmations,
 *   approval cards and notices (SQLite cannot change a CHECK in place, so the table is rebuilt), and a `card`
 *   (buttons) for approval cards;
 * - `pending_sender_approvals` becomes the approval's whole life: status, who decided and when, when it expires,
 *   where its card went, and when the held message was replayed (exactly once);
 * - `wake_requests`: sessions a CLI verb asks the running host to wake (a welcome message written, a task run
 *   now); the host's sweep consumes them.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const channelState: Migration = {
  id: 5,
  name: 'channel-state',
  sql: `
ALTER TABLE pending_questions ADD COLUMN asked_of TEXT;
CREATE TABLE pairing_codes (
  id            TEXT PRIMARY KEY,
  channel_type  TEXT NOT NULL,
  code_hash     TEXT NOT NULL,
  agent_group_id TEXT REFERENCES agent_groups(id) ON DELETE CASCADE,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  wrong_guesses INTEGER NOT NULL DEFAULT 0,
  used_at       TEXT,
  used_by       TEXT
);
CREATE INDEX idx_pairing_codes_channel ON pairing_codes(channel_type, used_at);
CREATE TABLE host_messages_new (
  id                  TEXT PRIMARY KEY,
  kind                TEXT NOT NULL CHECK (kind IN ('help', 'command_denied', 'pairing', 'approval', 'notice')),
  channel_type        TEXT NOT NULL,
  platform_id         TEXT NOT NULL,
  thread_id           TEXT,
  text                TEXT NOT NULL,
  in_reply_to         TEXT,
  status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  platform_message_id TEXT,
  error               TEXT,
  created_at          TEXT NOT NULL,
  finished_at         TEXT,
  card                TEXT CHECK (card IS NULL OR json_valid(card))
);
INSERT INTO host_messages_new SELECT *, NULL FROM host_messages;
DROP TABLE host_messages;
ALTER TABLE host_messages_new RENAME TO host_messages;
CREATE INDEX idx_host_messages_pending ON host_messages(created_at) WHERE status = 'pending';
ALTER TABLE pending_sender_approvals ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
  CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'unreachable'));
ALTER TABLE pending_sender_approvals ADD COLUMN decided_by TEXT;
ALTER TABLE pending_sender_approvals ADD COLUMN decided_at TEXT;
ALTER TABLE pending_sender_approvals ADD COLUMN expires_at TEXT;
ALTER TABLE pending_sender_approvals ADD COLUMN card_messaging_group_id TEXT;
ALTER TABLE pending_sender_approvals ADD COLUMN replayed_at TEXT;
CREATE TABLE wake_requests (
  session_id   TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  reason       TEXT NOT NULL,
  requested_at TEXT NOT NULL
);
`,
};
