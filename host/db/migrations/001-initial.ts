import type { Migration } from '../migrate.js';

/**
 * Agent groups, messaging groups and their wirings, destinations, users and the privilege model.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const initial: Migration = {
  id: 1,
  name: 'initial',
  sql: `
CREATE TABLE agent_groups (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  folder            TEXT NOT NULL UNIQUE
                    CHECK (length(folder) BETWEEN 1 AND 63 AND folder NOT GLOB '*[^a-z0-9-]*'
                           AND folder NOT GLOB '-*' AND folder NOT GLOB '*-' AND folder <> 'global'),
  agent_provider    TEXT NOT NULL DEFAULT 'claude' CHECK (agent_provider IN ('claude', 'mock')),
  model             TEXT,
  instructions      TEXT,
  container_config  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(container_config)),
  source            TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('crd', 'runtime')),
  source_uid        TEXT,
  source_generation INTEGER,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  CHECK ((source = 'crd') = (source_uid IS NOT NULL))
);

CREATE TABLE messaging_groups (
  id                    TEXT PRIMARY KEY,
  channel_type          TEXT NOT NULL
                        CHECK (length(channel_type) BETWEEN 1 AND 32 AND channel_type GLOB '[a-z]*'
                               AND channel_type NOT GLOB '*[^a-z0-9-]*'),
  platform_id           TEXT NOT NULL CHECK (length(platform_id) BETWEEN 1 AND 256),
  name                  TEXT,
  is_group              INTEGER NOT NULL DEFAULT 0 CHECK (is_group IN (0, 1)),
  unknown_sender_policy TEXT NOT NULL DEFAULT 'strict'
                        CHECK (unknown_sender_policy IN ('strict', 'request_approval', 'public')),
  denied_at             TEXT,
  source                TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('crd', 'runtime')),
  source_uid            TEXT,
  source_generation     INTEGER,
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL,
  UNIQUE (channel_type, platform_id),
  CHECK ((source = 'crd') = (source_uid IS NOT NULL))
);

CREATE TABLE messaging_group_agents (
  id                 TEXT PRIMARY KEY,
  messaging_group_id TEXT NOT NULL REFERENCES messaging_groups(id) ON DELETE CASCADE,
  agent_group_id     TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  engage_mode        TEXT NOT NULL DEFAULT 'mention' CHECK (engage_mode IN ('pattern', 'mention', 'mention-sticky')),
  engage_pattern     TEXT,
  sender_scope       TEXT NOT NULL DEFAULT 'all' CHECK (sender_scope IN ('all', 'known')),
  ignored_messages   TEXT NOT NULL DEFAULT 'drop' CHECK (ignored_messages IN ('drop', 'accumulate')),
  session_mode       TEXT NOT NULL DEFAULT 'shared' CHECK (session_mode IN ('shared', 'per-thread', 'agent-shared')),
  priority           INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN -1000 AND 1000),
  source             TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('crd', 'runtime')),
  source_uid         TEXT,
  source_generation  INTEGER,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  UNIQUE (messaging_group_id, agent_group_id),
  CHECK ((engage_mode = 'pattern') = (engage_pattern IS NOT NULL)),
  CHECK ((source = 'crd') = (source_uid IS NOT NULL))
);
CREATE INDEX idx_wirings_agent_group ON messaging_group_agents(agent_group_id);

CREATE TABLE agent_destinations (
  agent_group_id    TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  local_name        TEXT NOT NULL
                    CHECK (length(local_name) >= 1 AND local_name NOT GLOB '*[^a-z0-9-]*'),
  target_type       TEXT NOT NULL CHECK (target_type IN ('channel', 'agent')),
  target_id         TEXT NOT NULL,
  source            TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('crd', 'runtime')),
  source_uid        TEXT,
  source_generation INTEGER,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (agent_group_id, local_name),
  UNIQUE (agent_group_id, target_type, target_id),
  CHECK ((source = 'crd') = (source_uid IS NOT NULL))
);
CREATE INDEX idx_destinations_target ON agent_destinations(target_type, target_id);

-- A destination is an ACL entry for a target; when the target goes, so does the entry.
CREATE TRIGGER trg_messaging_group_deleted_destinations AFTER DELETE ON messaging_groups BEGIN
  DELETE FROM agent_destinations WHERE target_type = 'channel' AND target_id = OLD.id;
END;
CREATE TRIGGER trg_agent_group_deleted_destinations AFTER DELETE ON agent_groups BEGIN
  DELETE FROM agent_destinations WHERE target_type = 'agent' AND target_id = OLD.id;
END;

CREATE TABLE users (
  id           TEXT PRIMARY KEY
               CHECK (instr(id, ':') > 1 AND length(id) > instr(id, ':') AND length(id) <= 320
                      AND substr(id, 1, 1) GLOB '[a-z]'
                      AND substr(id, 1, instr(id, ':') - 1) NOT GLOB '*[^a-z0-9-]*'),
  kind         TEXT NOT NULL,
  display_name TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  CHECK (kind = substr(id, 1, instr(id, ':') - 1))
);

CREATE TABLE user_roles (
  id                INTEGER PRIMARY KEY,
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role              TEXT NOT NULL CHECK (role IN ('owner', 'admin')),
  agent_group_id    TEXT REFERENCES agent_groups(id) ON DELETE CASCADE,
  granted_by        TEXT,
  granted_at        TEXT NOT NULL,
  source            TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('crd', 'runtime')),
  source_uid        TEXT,
  source_generation INTEGER,
  CHECK (role <> 'owner' OR agent_group_id IS NULL),
  CHECK ((source = 'crd') = (source_uid IS NOT NULL))
);
-- SQLite treats NULLs as distinct in UNIQUE constraints; the expression index makes a global grant unique too.
CREATE UNIQUE INDEX idx_user_roles_unique ON user_roles(user_id, role, ifnull(agent_group_id, ''));
CREATE INDEX idx_user_roles_scope ON user_roles(agent_group_id, role);

CREATE TABLE agent_group_members (
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  agent_group_id    TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  added_by          TEXT,
  added_at          TEXT NOT NULL,
  source            TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('crd', 'runtime')),
  source_uid        TEXT,
  source_generation INTEGER,
  PRIMARY KEY (user_id, agent_group_id),
  CHECK ((source = 'crd') = (source_uid IS NOT NULL))
);

CREATE TABLE user_dms (
  user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel_type       TEXT NOT NULL,
  messaging_group_id TEXT NOT NULL REFERENCES messaging_groups(id) ON DELETE CASCADE,
  resolved_at        TEXT NOT NULL,
  PRIMARY KEY (user_id, channel_type)
);
`,
};
