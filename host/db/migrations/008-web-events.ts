import type { Migration } from '../migrate.js';

/**
 * The web chat's durable history (host/channels/web/web-events.ts):
 * - `web_events`: every message shown in a web chat — agent replies, host notices, people's own messages — with
 *   its author (the name as it was when it was sent) and question card. The integer id is the SSE event id: it
 *   only grows (AUTOINCREMENT never reuses an id, even after pruning), so clients resume across host restarts.
 *   (chat, message_id) is unique, so a message is stored once however often it is sent.
 * - `web_idempotency_keys`: the 202 answer of a POST /api/messages per (user, Idempotency-Key), so a retry gets
 *   the same answer and writes nothing; pruned after a day.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const webEvents: Migration = {
  id: 8,
  name: 'web-events',
  sql: `
CREATE TABLE web_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  chat           TEXT NOT NULL,
  thread         TEXT,
  message_id     TEXT NOT NULL,
  author_kind    TEXT NOT NULL CHECK (author_kind IN ('agent', 'host', 'user')),
  author_name    TEXT NOT NULL,
  agent_group_id TEXT,
  level          TEXT NOT NULL CHECK (level IN ('info', 'error')),
  text           TEXT NOT NULL,
  in_reply_to    TEXT,
  question       TEXT CHECK (question IS NULL OR json_valid(question)),
  created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_web_events_message ON web_events(chat, message_id);
CREATE INDEX idx_web_events_chat ON web_events(chat, id);
CREATE INDEX idx_web_events_created ON web_events(created_at);
CREATE TABLE web_idempotency_keys (
  user_id     TEXT NOT NULL,
  key         TEXT NOT NULL,
  answer      TEXT NOT NULL CHECK (json_valid(answer)),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idx_web_idempotency_created ON web_idempotency_keys(created_at);
`,
};
