import type { Migration } from '../migrate.js';

/**
 * `pending_channel_registrations`: the bot was mentioned or DMed in a chat no agent is wired to, and an owner or
 * global admin is asked (a card in their DM) to connect the chat to an existing agent group, create a new one
 * for it, or reject it. One row per chat (a later mention while one is pending sends no second card; an expired
 * or unreachable one is renewed); the row keeps the message that asked, so it is answered once the chat is wired
 * — replayed exactly once (`replayed_at`). `options` (JSON) are the card's buttons as sent, so a click decides what
 * its button said even when the agent groups changed since. The decision is written as configuration (a MessagingGroup object or
 * manifest file), never as rows the operator would prune: `agent_group_id` is what the chat was connected to.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const channelRegistrations: Migration = {
  id: 6,
  name: 'channel-registrations',
  sql: `
CREATE TABLE pending_channel_registrations (
  id                      TEXT PRIMARY KEY,
  messaging_group_id      TEXT NOT NULL UNIQUE REFERENCES messaging_groups(id) ON DELETE CASCADE,
  sender_id               TEXT,
  sender_name             TEXT,
  original_message        TEXT NOT NULL,
  status                  TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'unreachable', 'connected', 'created', 'rejected', 'expired', 'failed')),
  options                 TEXT NOT NULL DEFAULT '[]',
  approver_user_id        TEXT,
  card_messaging_group_id TEXT REFERENCES messaging_groups(id) ON DELETE SET NULL,
  agent_group_id          TEXT,
  decided_by              TEXT,
  decided_at              TEXT,
  error                   TEXT,
  created_at              TEXT NOT NULL,
  expires_at              TEXT NOT NULL,
  replayed_at             TEXT
);
`,
};
