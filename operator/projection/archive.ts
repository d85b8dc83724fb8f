/**
 * The folders of a deleted agent group are archived, never inherited: when its agent_groups row is removed,
 * `<data>/groups/<folder>` and `<data>/sessions/<folder>` move to `<data>/groups/.archive/<folder>-<timestamp>` and
 * `<data>/sessions/.archive/<folder>-<timestamp>`, so a later AgentGroup with the same folder starts empty.
 *
 * Invariants:
 * - Only a real directory is moved, by one rename inside the same tree (same file system, nothing copied). A
 *   symlink — or anything else that is not a directory — at a folder's path, or at `.archive`, is refused and left
 *   where it is: never followed, never moved.
 * - A folder still used by some agent_groups row is never moved (the caller deletes the row first).
 * - An archive never replaces anything: the name gets a counter when the timestamped one is taken.
 * - Archives are kept; nothing here (or anywhere in the operator) deletes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CentralDb } from '../../host/db/central-db.js';

const ARCHIVE_DIR = '.archive';
const TREES = ['groups', 'sessions'] as const;

export interface FolderArchive {
  folder: string;
  /** Archive paths the folder's directories were moved to. */
  moved: string[];
  /** Paths left in place because they are symlinks or not directories. */
  refused: string[];
}

/** Folders of the 'crd' agent_groups rows owned by `uid` (read before the rows go). */
export function projectedFolders(db: CentralDb, uid: string): string[] {
  return db
    .all(
      db.q
        .selectFrom('agent_groups')
        .select('folder')
        .where('source', '=', 'crd')
        .where('source_uid', '=', uid),
    )
    .map((r) => r.folder);
}

/** `20250102T030405123Z`: sortable, and a valid path segment. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

function isRealDir(p: string): boolean | undefined {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Moves the folders of agent groups whose rows are gone into the archive; see the invariants above. */
export function archiveFolders(db: CentralDb, dataDir: string, folders: string[]): FolderArchive[] {
  const now = new Date();
  const out: FolderArchive[] = [];
  for (const folder of folders) {
    if (db.first(db.q.selectFrom('agent_groups').select('id').where('folder', '=', folder))) continue;
    const result: FolderArchive = { folder, moved: [], refused: [] };
    for (const tree of TREES) {
      const from = path.join(dataDir, tree, folder);
      const real = isRealDir(from);
      if (real === undefined) continue;
      const archive = path.join(dataDir, tree, ARCHIVE_DIR);
      if (!real || isRealDir(archive) === false) {
        result.refused.push(real ? archive : from);
        continue;
      }
      fs.mkdirSync(archive, { recursive: true });
      const base = `${folder}-${stamp(now)}`;
      let to = path.join(archive, base);
      for (let n = 2; isRealDir(to) !== undefined; n++) to = path.join(archive, `${base}-${n}`);
      fs.renameSync(from, to);
      result.moved.push(to);
    }
    if (result.moved.length || result.refused.length) out.push(result);
  }
  return out;
}

export function logArchived(log: Logger, archived: FolderArchive[]): void {
  for (const a of archived) {
    if (a.moved.length)
      log.info({ folder: a.folder, archive: a.moved }, 'archived the folders of a deleted agent group');
    if (a.refused.length)
      log.warn(
        { folder: a.folder, paths: a.refused },
        'folder of a deleted agent group not archived: a symlink or not a directory is never followed; left in place',
      );
  }
}
