/**
 * The host's central DB (`<data dir>/nanoclaw.db`).
 *
 * Invariants: journal_mode WAL (the host and the operator containers share one node and one file),
 * busy_timeout 5 s, foreign_keys ON, migrated to the newest schema before anything reads it.
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

export function nowIso(): string {
  return new Date().toISOString();
}
