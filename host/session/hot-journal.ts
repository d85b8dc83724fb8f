/**
 * Crash clean-up of a runner's outbound.db. A runner killed in the middle of a commit leaves a hot rollback
 * journal (`outbound.db-journal`); SQLite rolls it back on the next open that may write, but the host opens the file
 * read-only and gets SQLITE_READONLY_ROLLBACK until a new runner opens it — and a runner is only started once the
 * host can write the chat's message. So the host rolls it back itself.
 *
 * Invariants:
 * - Only while no runner of the session is running: a live runner owns the file and its journal (and on
 *   Kubernetes its locks may not be visible across nodes). The caller checks.
 * - outbound.db and its journal must be regular files reached without a symlink (safe-fs.ts): a journal that is a
 *   link to another file (another session's persistent inbound journal) is refused, never rolled in.
 * - The read-write connection is opened with trusted_schema off and a short busy timeout, runs one read of
 *   sqlite_schema (which makes SQLite roll the journal back) and is closed. Nothing else is read or written.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { journalFile } from '../../protocol/session-db.js';
import { regularFileInside } from './safe-fs.js';

const ROLLBACK_BUSY_MS = 200;

/** Rolls back a leftover journal of `root/rel`; returns whether there was one. Throws on refusal or failure. */
export function rollBackHotJournal(root: string, rel: string): boolean {
  const journal = regularFileInside(root, journalFile(rel));
  if (!fs.existsSync(journal)) return false;
  const file = regularFileInside(root, rel);
  if (!fs.existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${ROLLBACK_BUSY_MS}`);
    db.pragma('trusted_schema = OFF');
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } finally {
    db.close();
  }
  return true;
}
