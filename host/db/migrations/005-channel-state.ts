import type { Migration } from '../migrate.js';

/**
 * What chat channels need the host to remember across restarts:
 * - `pending_questions.asked_of`: the user a question card was asked of (the sender of the message it answers), so
 *   who may click it is decided from the DB and not from a process's memory;
 * - `pairing_codes`: short-lived codes that link a chat account to this host (`nanoclaw pair <channel>`); only a
 *   SHA-256 of the code is stored, with its wrong-guess count and who used it.
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
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  wrong_guesses INTEGER NOT NULL DEFAULT 0,
  used_at       TEXT,
  used_by       TEXT
);
CREATE INDEX idx_pairing_codes_channel ON pairing_codes(channel_type, used_at);
`,
};
