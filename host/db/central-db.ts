/**
 * The host's central DB (`<data dir>/nanoclaw.db`).
 *
 * Invariants: journal_mode WAL (the host and the operator containers share one node and one file),
 * busy_timeout 5 s, foreign_keys ON, migrated to the newest schema before anything reads it.
 * The running host waits at most HOST_CENTRAL_BUSY_MS for another process's write lock (`limitBusyWait`): its
 * statements run on the event loop, so a longer wait would freeze every chat. A statement that gives up throws
 * SQLITE_BUSY, which the callers treat as a passing fault (503 with a reason, a later retry), never as a failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { migrate } from './migrate.js';
import { CENTRAL_MIGRATIONS } from './migrations/index.js';
import type { CentralSchema } from './schema.js';
import { SqliteDb } from '../../protocol/sqlite.js';

export type CentralDb = SqliteDb<CentralSchema>;

export const CENTRAL_DB_FILE = 'nanoclaw.db';

/** Opens (creating if needed) and migrates a central DB; `:memory:` gives a private in-memory DB. */
export function openCentralDb(file: string): CentralDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new SqliteDb<CentralSchema>(file, { journalMode: 'wal' });
  try {
    migrate(db.raw, CENTRAL_MIGRATIONS);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** How long the running host waits for another process's lock on the central DB (WAL: only writers wait). */
const HOST_CENTRAL_BUSY_MS = 250;

/** Shortens the busy wait of the host's connection once it is open and migrated (see the invariants). */
export function limitBusyWait(db: CentralDb): void {
  db.raw.pragma(`busy_timeout = ${HOST_CENTRAL_BUSY_MS}`);
}

export function nowIso(): string {
  return new Date().toISOString();
}
