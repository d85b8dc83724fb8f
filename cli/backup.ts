/**
 * `nanoclaw backup`: an online, consistent copy of a data dir's databases — the central DB and every session's
 * inbound.db and outbound.db — taken with SQLite's backup API while the host runs, and of the agent folders
 * (groups/: instructions, the global folder), into a new directory with a manifest (manifest.json: format,
 * schema version, and each file's size and SHA-256).
 *
 * Why a directory and not a tar: every file in it is a plain SQLite DB that `sqlite3` opens as is, the manifest
 * already makes it one verifiable unit, and `tar czf` of the directory is one standard command away — no archive
 * dependency in the CLI for that.
 *
 * Invariants:
 * - Each DB is copied by the online backup API (a consistent snapshot of that DB, whatever its writers do).
 * - The central DB is copied first and the sessions are read from that copy: every session in the backup's central
 *   DB has its DBs in the backup (taken after it, so holding at least the messages the central copy knows of).
 * - Only regular files reached without a symlink are read (the session dirs are runner-writable); a symlink or
 *   special file in an agent folder is listed in `skipped`, never followed.
 * - A session DB that cannot be read (a runner's half-written file) is reported, the rest is still copied, and the
 *   verb exits 1.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CENTRAL_MIGRATIONS } from '../host/db/migrations/index.js';
import { dataLayout } from '../host/session/layout.js';
import { regularFileInside } from '../host/session/safe-fs.js';
import { dataDirOf } from './admin-args.js';
import { parse, UsageError } from './args.js';

const HELP = `Usage: nanoclaw backup [--data-dir DIR] [--out DIR]

Copies the host's central DB and every session's inbound.db and outbound.db with SQLite's online backup, while
the host runs, and the agent folders (groups/), into a new directory with a manifest.json (sizes and SHA-256 of
each file). Restore with "nanoclaw restore".

Options:
  --data-dir DIR  the host's data dir (default NANOCLAW_DATA_DIR or ./data)
  --out DIR       the backup directory to create (default ./nanoclaw-backup-<UTC timestamp>)
  --into DIR      instead of --out: create nanoclaw-backup-<UTC timestamp> inside DIR (for scheduled backups)
  --keep N        with --into: after a complete backup, remove all but the newest N backups in DIR
`;

export const BACKUP_FORMAT = 'nanoclaw-backup/1';
export const MANIFEST_FILE = 'manifest.json';
const SESSION_DBS = ['inbound.db', 'outbound.db'] as const;
const GROUPS_DIR = 'groups';

export interface BackupFile {
  /** Relative to the backup directory (and to the data dir it came from). */
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  /** The central DB's migration count when copied. */
  schemaVersion: number;
  sessions: number;
  files: BackupFile[];
  /** Session DBs and agent-folder entries that could not be copied, with why. */
  skipped: { path: string; error: string }[];
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function copyDb(from: string, to: string, readonly: boolean): Promise<void> {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const src = new Database(from, { readonly, fileMustExist: true });
  try {
    src.pragma('busy_timeout = 5000');
    await src.backup(to);
  } finally {
    src.close();
  }
}

function sessionsOf(centralCopy: string): { id: string; folder: string }[] {
  const db = new Database(centralCopy, { readonly: true });
  try {
    return db
      .prepare(
        'SELECT s.id, g.folder FROM sessions s JOIN agent_groups g ON g.id = s.agent_group_id ORDER BY s.id',
      )
      .all() as { id: string; folder: string }[];
  } finally {
    db.close();
  }
}

/** Regular files below `rel` (relative paths), walked without following links; anything else is skipped. */
function* folderFiles(root: string, rel: string, skipped: BackupManifest['skipped']): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.join(rel, e.name);
    if (e.isDirectory()) yield* folderFiles(root, child, skipped);
    else if (e.isFile()) yield child;
    else skipped.push({ path: child, error: e.isSymbolicLink() ? 'a symlink (not followed)' : 'not a file' });
  }
}

export async function backupDataDir(dataDir: string, out: string): Promise<BackupManifest> {
  const layout = dataLayout(dataDir);
  if (!fs.existsSync(layout.centralDb))
    throw new UsageError(`--data-dir: no central DB at ${layout.centralDb}`);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0)
    throw new UsageError(`--out: ${out} exists and is not empty`);
  fs.mkdirSync(out, { recursive: true });
  const rel = path.relative(dataDir, layout.centralDb);
  // Read-write open (nothing is written): a WAL database's snapshot needs its shared-memory file.
  await copyDb(layout.centralDb, path.join(out, rel), false);
  const files = [rel];
  const skipped: BackupManifest['skipped'] = [];
  const sessions = sessionsOf(path.join(out, rel));
  for (const s of sessions) {
    for (const name of SESSION_DBS) {
      const dbRel = path.join('sessions', s.folder, s.id, name);
      try {
        const from = regularFileInside(dataDir, dbRel);
        if (!fs.existsSync(from)) continue;
        await copyDb(from, path.join(out, dbRel), true);
        files.push(dbRel);
      } catch (err) {
        skipped.push({ path: dbRel, error: (err as Error).message });
      }
    }
  }
  for (const rel of folderFiles(dataDir, GROUPS_DIR, skipped)) {
    try {
      const from = regularFileInside(dataDir, rel);
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.copyFileSync(from, path.join(out, rel));
      files.push(rel);
    } catch (err) {
      // Gone since it was listed (the host replaces files by renaming a temp file): not part of this backup.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      skipped.push({ path: rel, error: (err as Error).message });
    }
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    schemaVersion: CENTRAL_MIGRATIONS.length,
    sessions: sessions.length,
    files: files.map((f) => ({
      path: f,
      bytes: fs.statSync(path.join(out, f)).size,
      sha256: sha256Of(path.join(out, f)),
    })),
    skipped,
  };
  fs.writeFileSync(path.join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const BACKUP_PREFIX = 'nanoclaw-backup-';

/** Removes all but the newest `keep` backups (directories named nanoclaw-backup-… holding a manifest) in `dir`. */
function pruneBackups(dir: string, keep: number): string[] {
  const backups = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(
      (e) =>
        e.isDirectory() &&
        e.name.startsWith(BACKUP_PREFIX) &&
        fs.existsSync(path.join(dir, e.name, MANIFEST_FILE)),
    )
    .map((e) => e.name)
    .sort();
  const old = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of old) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  return old;
}

export async function backupCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    into: { type: 'string' },
    keep: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.out !== undefined && values.into !== undefined)
    throw new UsageError('--out and --into: give one of them');
  if (values.keep !== undefined && values.into === undefined)
    throw new UsageError('--keep: only with --into');
  const keep = values.keep === undefined ? null : Number(values.keep);
  if (keep !== null && !(Number.isInteger(keep) && keep >= 1))
    throw new UsageError(`--keep: a whole number of at least 1, not ${JSON.stringify(values.keep)}`);
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const out = path.resolve(values.out ?? path.join(values.into ?? '.', `${BACKUP_PREFIX}${stamp}`));
  const m = await backupDataDir(dataDirOf(values), out);
  for (const s of m.skipped) process.stderr.write(`nanoclaw: backup: skipped ${s.path}: ${s.error}\n`);
  const dbs = m.files.filter((f) => f.path.endsWith('.db')).length;
  process.stdout.write(
    `${out}: central DB, ${dbs - 1} session DBs of ${m.sessions} sessions, ${m.files.length - dbs} agent-folder files\n`,
  );
  if (m.skipped.length > 0) return 1;
  if (keep !== null)
    for (const name of pruneBackups(path.dirname(out), keep))
      process.stdout.write(`removed the older backup ${path.join(path.dirname(out), name)}\n`);
  return 0;
}
