import { AGENT_CHANGE_ACTIONS, AGENT_CHANGE_STATUSES } from './agent-change-row.js';
import { describe, expect, it } from 'vitest';
import { MCP_SERVER_STATES } from '../../protocol/mcp.js';
import { openCentralDb } from './central-db.js';
import {
  CENTRAL_TABLES,
  HOST_MESSAGE_STATUSES,
  REGISTRATION_STATUSES,
  WEB_AUTHOR_KINDS,
  WEB_CREDENTIAL_KINDS,
  WEB_EVENT_LEVELS,
} from './schema.js';
import {
  ENGAGE_MODES,
  HOST_MESSAGE_KINDS,
  IGNORED_MESSAGE_POLICIES,
  PROVIDERS,
  ROLES,
  SENDER_SCOPES,
  SESSION_MODES,
  UNKNOWN_SENDER_POLICIES,
} from '../../protocol/vocabulary.js';

const db = openCentralDb(':memory:');

describe('central DB schema matches its zod source of truth', () => {
  it('has exactly the declared tables', () => {
    const tables = db.raw
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual(Object.keys(CENTRAL_TABLES).sort());
  });

  it.each(Object.entries(CENTRAL_TABLES))('table %s has exactly the declared columns', (table, row) => {
    const cols = db.raw
      .prepare(`SELECT name FROM pragma_table_info(?)`)
      .all(table)
      .map((r) => (r as { name: string }).name);
    expect(cols.sort()).toEqual(Object.keys(row.shape).sort());
  });

  it.each([
    ['messaging_groups', 'unknown_sender_policy', UNKNOWN_SENDER_POLICIES],
    ['messaging_group_agents', 'engage_mode', ENGAGE_MODES],
    ['messaging_group_agents', 'sender_scope', SENDER_SCOPES],
    ['messaging_group_agents', 'ignored_messages', IGNORED_MESSAGE_POLICIES],
    ['messaging_group_agents', 'session_mode', SESSION_MODES],
    ['user_roles', 'role', ROLES],
    ['agent_groups', 'agent_provider', PROVIDERS],
    ['host_messages', 'kind', HOST_MESSAGE_KINDS],
    ['host_messages', 'status', HOST_MESSAGE_STATUSES],
    ['web_credentials', 'kind', WEB_CREDENTIAL_KINDS],
    ['pending_channel_registrations', 'status', REGISTRATION_STATUSES],
    ['archived_sessions', 'session_mode', SESSION_MODES],
    ['web_events', 'author_kind', WEB_AUTHOR_KINDS],
    ['web_events', 'level', WEB_EVENT_LEVELS],
    ['mcp_server_status', 'state', MCP_SERVER_STATES],
    ['pending_agent_changes', 'action', AGENT_CHANGE_ACTIONS],
    ['pending_agent_changes', 'status', AGENT_CHANGE_STATUSES],
  ] as const)('%s.%s allows exactly the declared enum', (table, column, values) => {
    const ddl = (db.raw.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(table) as { sql: string })
      .sql;
    const check = new RegExp(`${column}\\s+IN\\s*\\(([^)]*)\\)`).exec(ddl);
    expect(check, `${table}.${column} has an IN (...) check`).not.toBeNull();
    const inDb = check![1]!.split(',').map((v) => v.trim().replace(/^'|'$/g, ''));
    expect(inDb).toEqual([...values]);
  });
});
