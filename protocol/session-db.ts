/**
 * The two SQLite files of a session — the whole host ⇄ runner contract besides the notification channel.
 *
 * Invariants:
 * - inbound.db has exactly one writer, the host. Its messages_in.seq values are even.
 * - outbound.db has exactly one writer, the runner. Its messages_out.seq values are odd and greater than every
 *   seq the runner has seen in inbound.db, so seq orders one conversation across both files.
 * - Both use a rollback journal (not WAL): WAL needs shared memory, which does not work across pods or nodes;
 *   a rollback journal does. outbound.db uses DELETE; inbound.db uses PERSIST, so its journal is one file that
 *   exists from the first open on and can be mounted read-only into the runner's pod next to inbound.db (a
 *   runner that could write `inbound.db-journal` could have the host roll a forged "hot journal" into
 *   inbound.db). busy_timeout is 5 s, except the host's read of outbound.db (below).
 * - Each side treats the other's file as untrusted input: the host opens outbound.db read-only with
 *   `trusted_schema` off and checks its schema is exactly OUTBOUND_DDL (`outboundSchemaProblem`) before every
 *   read, because a runner can rewrite the file at any time (a view or a trigger in place of a table could hang
 *   or fool the host's synchronous queries).
 * - The runner never changes messages_in; it records progress in processing_ack, which the host copies back.
 * - The host never writes outbound.db; its outcome of a delivery goes to inbound.db `delivered`.
 * - Timestamps are ISO-8601 UTC strings of one fixed format, so they compare as text.
 */
import { z } from 'zod';
import {
  ACK_STATUSES,
  DELIVERY_STATUSES,
  INBOUND_KINDS,
  INBOUND_STATUSES,
  OUTBOUND_KINDS,
} from './messages.js';
import { SqliteDb } from './sqlite.js';

const SESSION_SCHEMA_VERSION = 1;

const INBOUND_DDL = `
CREATE TABLE IF NOT EXISTS messages_in (
  id            TEXT PRIMARY KEY,
  seq           INTEGER NOT NULL UNIQUE CHECK (seq > 0 AND seq % 2 = 0),
  kind          TEXT NOT NULL CHECK (kind IN ('chat', 'task', 'system')),
  timestamp     TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed', 'paused')),
  process_after TEXT,
  recurrence    TEXT,
  series_id     TEXT,
  tries         INTEGER NOT NULL DEFAULT 0,
  trigger       INTEGER NOT NULL DEFAULT 1 CHECK (trigger IN (0, 1)),
  channel_type  TEXT,
  platform_id   TEXT,
  thread_id     TEXT,
  content       TEXT NOT NULL CHECK (json_valid(content))
);
CREATE INDEX IF NOT EXISTS idx_messages_in_status ON messages_in(status, process_after);
CREATE INDEX IF NOT EXISTS idx_messages_in_series ON messages_in(series_id);
CREATE TABLE IF NOT EXISTS delivered (
  message_out_id      TEXT PRIMARY KEY,
  platform_message_id TEXT,
  status              TEXT NOT NULL CHECK (status IN ('delivered', 'failed')),
  error               TEXT,
  delivered_at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS destinations (
  name           TEXT PRIMARY KEY,
  display_name   TEXT,
  type           TEXT NOT NULL CHECK (type IN ('channel', 'agent')),
  channel_type   TEXT,
  platform_id    TEXT,
  agent_group_id TEXT
);
CREATE TABLE IF NOT EXISTS session_routing (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  channel_type TEXT,
  platform_id  TEXT,
  thread_id    TEXT
);
`;

const OUTBOUND_DDL = `
CREATE TABLE IF NOT EXISTS messages_out (
  id            TEXT PRIMARY KEY,
  seq           INTEGER NOT NULL UNIQUE CHECK (seq > 0 AND seq % 2 = 1),
  in_reply_to   TEXT,
  timestamp     TEXT NOT NULL,
  deliver_after TEXT,
  kind          TEXT NOT NULL CHECK (kind IN ('chat', 'system')),
  channel_type  TEXT,
  platform_id   TEXT,
  thread_id     TEXT,
  content       TEXT NOT NULL CHECK (json_valid(content))
);
CREATE TABLE IF NOT EXISTS processing_ack (
  message_id     TEXT PRIMARY KEY,
  status         TEXT NOT NULL CHECK (status IN ('processing', 'completed', 'failed')),
  status_changed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session_state (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

const iso = z.string();

const MessageInRow = z.object({
  id: z.string(),
  seq: z.number().int(),
  kind: z.enum(INBOUND_KINDS),
  timestamp: iso,
  status: z.enum(INBOUND_STATUSES),
  process_after: iso.nullable(),
  recurrence: z.string().nullable(),
  series_id: z.string().nullable(),
  tries: z.number().int(),
  trigger: z.number().int(),
  channel_type: z.string().nullable(),
  platform_id: z.string().nullable(),
  thread_id: z.string().nullable(),
  content: z.string(),
});
const DeliveredRow = z.object({
  message_out_id: z.string(),
  platform_message_id: z.string().nullable(),
  status: z.enum(DELIVERY_STATUSES),
  error: z.string().nullable(),
  delivered_at: iso,
});
const DestinationRow = z.object({
  name: z.string(),
  display_name: z.string().nullable(),
  type: z.enum(['channel', 'agent']),
  channel_type: z.string().nullable(),
  platform_id: z.string().nullable(),
  agent_group_id: z.string().nullable(),
});
const SessionRoutingRow = z.object({
  id: z.number().int(),
  channel_type: z.string().nullable(),
  platform_id: z.string().nullable(),
  thread_id: z.string().nullable(),
});
const MessageOutRow = z.object({
  id: z.string(),
  seq: z.number().int(),
  in_reply_to: z.string().nullable(),
  timestamp: iso,
  deliver_after: iso.nullable(),
  kind: z.enum(OUTBOUND_KINDS),
  channel_type: z.string().nullable(),
  platform_id: z.string().nullable(),
  thread_id: z.string().nullable(),
  content: z.string(),
});
const ProcessingAckRow = z.object({
  message_id: z.string(),
  status: z.enum(ACK_STATUSES),
  status_changed: iso,
});
const SessionStateRow = z.object({ key: z.string(), value: z.string(), updated_at: iso });

export const INBOUND_TABLES = {
  messages_in: MessageInRow,
  delivered: DeliveredRow,
  destinations: DestinationRow,
  session_routing: SessionRoutingRow,
} as const;
export const OUTBOUND_TABLES = {
  messages_out: MessageOutRow,
  processing_ack: ProcessingAckRow,
  session_state: SessionStateRow,
} as const;

type Rows<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.infer<T[K]> };
type InboundSchema = Rows<typeof INBOUND_TABLES>;
type OutboundSchema = Rows<typeof OUTBOUND_TABLES>;
export type MessageIn = z.infer<typeof MessageInRow>;
export type MessageOut = z.infer<typeof MessageOutRow>;
export type Destination = z.infer<typeof DestinationRow>;

export type InboundDb = SqliteDb<InboundSchema>;
export type OutboundDb = SqliteDb<OutboundSchema>;

/** How long the host waits for a runner's lock on outbound.db: its synchronous reads block the event loop. */
const HOST_OUTBOUND_BUSY_MS = 200;

function create<S>(file: string, ddl: string, journalMode: 'delete' | 'persist'): SqliteDb<S> {
  const db = new SqliteDb<S>(file, { journalMode });
  db.raw.exec(ddl);
  db.raw.pragma(`user_version = ${SESSION_SCHEMA_VERSION}`);
  return db;
}

/** The rollback journal SQLite keeps next to `dbFile`. */
export function journalFile(dbFile: string): string {
  return `${dbFile}-journal`;
}

/**
 * Host side: creates inbound.db if needed; the host is its only writer. Afterwards both inbound.db and its
 * (persistent) journal exist, so both can be mounted into a runner pod read-only.
 */
export function openInboundForHost(file: string): InboundDb {
  return create<InboundSchema>(file, INBOUND_DDL, 'persist');
}

/** Runner side: inbound.db, read-only. */
export function openInboundForRunner(file: string): InboundDb {
  return new SqliteDb<InboundSchema>(file, { journalMode: 'delete', readonly: true });
}

/** Runner side: creates outbound.db if needed; the runner is its only writer. */
export function openOutboundForRunner(file: string): OutboundDb {
  return create<OutboundSchema>(file, OUTBOUND_DDL, 'delete');
}

/**
 * Host side: outbound.db, read-only and untrusted (see the invariants). Returns null while the runner has not
 * created it yet. Opening reads nothing: a file that is not a database fails on the first read.
 */
export function openOutboundForHost(file: string): OutboundDb | null {
  try {
    return new SqliteDb<OutboundSchema>(file, {
      journalMode: 'delete',
      readonly: true,
      untrusted: true,
      busyTimeoutMs: HOST_OUTBOUND_BUSY_MS,
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CANTOPEN') return null;
    throw err;
  }
}

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

const SCHEMA_SQL = 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name';
let outboundReference: Map<string, string> | null = null;

function schemaObjects(raw: OutboundDb['raw']): Map<string, string> {
  const rows = raw.prepare(SCHEMA_SQL).all() as SchemaObject[];
  return new Map(rows.map((r) => [`${r.type} ${r.name}`, JSON.stringify([r.tbl_name, r.sql])]));
}

/**
 * Why outbound.db's schema is not exactly what OUTBOUND_DDL creates (the same tables, columns, constraints and
 * automatic indexes; no view, trigger, extra table or index), or null when it is. Reads only sqlite_schema, which
 * never runs anything from the file. Call it inside the read transaction that then reads the data.
 */
export function outboundSchemaProblem(db: OutboundDb): string | null {
  if (!outboundReference) {
    const ref = new SqliteDb<OutboundSchema>(':memory:', { journalMode: 'delete' });
    ref.raw.exec(OUTBOUND_DDL);
    outboundReference = schemaObjects(ref.raw);
    ref.close();
  }
  const actual = schemaObjects(db.raw);
  for (const [key, def] of actual) {
    const expected = outboundReference.get(key);
    if (expected === undefined) return `unexpected ${key}`;
    if (expected !== def) return `${key} differs from the protocol's definition`;
  }
  for (const key of outboundReference.keys()) if (!actual.has(key)) return `missing ${key}`;
  return null;
}

/** The next even seq above `max` (host, inbound.db). */
export function nextEvenSeq(max: number | null): number {
  const m = max ?? 0;
  return m < 2 ? 2 : m % 2 === 0 ? m + 2 : m + 1;
}

/** The next odd seq above `max` (runner, outbound.db). */
export function nextOddSeq(max: number | null): number {
  const m = max ?? 0;
  return m % 2 === 0 ? m + 1 : m + 2;
}

/** ISO-8601 UTC with milliseconds — the one timestamp format in both session DBs. */
export function isoNow(now: number = Date.now()): string {
  return new Date(now).toISOString();
}
