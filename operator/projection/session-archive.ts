/**
 * Sessions outlive configuration changes: removing an agent group archives its sessions (rows in
 * archived_sessions, directories moved with the folder archive, archive.ts), and projecting an agent group with the
 * same id and folder again brings them back — rows and directories — once their chat exists too.
 *
 * Invariants:
 * - Sessions are archived inside the transaction that deletes the agent group rows, before the delete (the
 *   foreign key cascades from agent_groups to sessions).
 * - Restoring moves a session directory back only from a real directory in `<data>/sessions/.archive/` to a path
 *   that does not exist yet, under a real `<data>/sessions/<folder>/` (no symlink is followed); otherwise the row
 *   comes back without its files and the archive stays where it is (reported).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CentralDb } from '../../host/db/central-db.js';
import {
  archiveSessionsOf,
  listArchivedSessions,
  restorableSessions,
  setArchiveDir,
  unarchiveSession,
} from '../../host/db/session-archive.js';
import type { FolderArchive } from './archive.js';

interface RestoredSession {
  id: string;
  status: 'active' | 'closed';
  /** False when the session's directory could not be moved back (missing, a symlink, or the path is taken). */
  files: boolean;
}

/** Archives the sessions of the 'crd' agent groups owned by these uids (call before deleting their rows). */
export function archiveSessionsOfUids(db: CentralDb, uids: readonly string[]): string[] {
  if (uids.length === 0) return [];
  const groups = db
    .all(
      db.q
        .selectFrom('agent_groups')
        .select('id')
        .where('source', '=', 'crd')
        .where('source_uid', 'in', uids),
    )
    .map((r) => r.id);
  return archiveSessionsOf(db, groups);
}

function realDir(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** After the folders moved: records each archived session's directory inside its folder's sessions archive. */
export function recordSessionDirs(db: CentralDb, dataDir: string, archived: FolderArchive[]): void {
  const sessionsArchive = path.join(dataDir, 'sessions', '.archive') + path.sep;
  const pending = listArchivedSessions(db).filter((s) => s.archive_dir === null);
  for (const a of archived) {
    const moved = a.moved.find((m) => m.startsWith(sessionsArchive));
    if (!moved) continue;
    for (const s of pending.filter((p) => p.folder === a.folder)) {
      const dir = path.join(moved, s.id);
      if (realDir(dir)) setArchiveDir(db, s.id, path.relative(dataDir, dir));
    }
  }
}

function moveBack(dataDir: string, folder: string, id: string, archiveDir: string | null): boolean {
  if (archiveDir === null) return false;
  const from = path.join(dataDir, archiveDir);
  const archiveRoot = path.join(dataDir, 'sessions', '.archive');
  if (!from.startsWith(archiveRoot + path.sep) || !realDir(archiveRoot) || !realDir(from)) return false;
  const parent = path.join(dataDir, 'sessions', folder);
  if (!realDir(path.join(dataDir, 'sessions'))) return false;
  if (!fs.existsSync(parent)) fs.mkdirSync(parent);
  if (!realDir(parent)) return false;
  const to = path.join(parent, id);
  if (fs.lstatSync(to, { throwIfNoEntry: false })) return false;
  fs.renameSync(from, to);
  return true;
}

function tryMoveBack(dataDir: string, folder: string, id: string, archiveDir: string | null): boolean {
  try {
    return moveBack(dataDir, folder, id, archiveDir);
  } catch {
    return false; // the row still comes back; its directory is re-created empty on the next message
  }
}

/** Brings back every archived session whose agent group (same id and folder) and chat exist again. */
export function restoreArchivedSessions(db: CentralDb, dataDir: string): RestoredSession[] {
  const out: RestoredSession[] = [];
  for (const s of restorableSessions(db)) {
    const files = tryMoveBack(dataDir, s.folder, s.id, s.archive_dir);
    const status = unarchiveSession(db, s);
    out.push({ id: s.id, status, files });
  }
  return out;
}
