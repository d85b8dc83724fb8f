import type { Migration } from '../migrate.js';

/**
 * Messages the host itself sends (command replies, /help, refusals; later approval cards, welcome messages and
 * failure notices): the durable queue and audit of the host-originated side of delivery. Frozen: never edit a
 * shipped migration, add a new one.
 */
export const hostMessages: Migration = {
  id: 3,
  name: 'host-messages',
  sql: `
CREATE TABLE host_messages (
  id                  TEXT PRIMARY KEY,
  kind                TEXT NOT NULL CHECK (kind IN ('help', 'command_denied')),
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
  finished_at         TEXT
);
CREATE INDEX idx_host_messages_pending ON host_messages(created_at) WHERE status = 'pending';
`,
};
