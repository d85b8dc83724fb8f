/**
 * `nanoclaw restore BACKUP --data-dir DIR`: puts a `nanoclaw backup` directory back into a data dir.
 *
 * Invariants:
 * - The manifest is checked before anything is written: known format, a schema this build can migrate (not newer),
 *   every file present with its size and SHA-256, and every path relative and inside the backup.
 * - The target must be empty (or missing) unless --force; with --force no host may be running on it (the data dir
 *   lock is held while restoring), and only the backed-up files are replaced.
 * - Each file is copied to a temp name and renamed into place, so a crash never leaves a half-copied DB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CENTRAL_MIGRATIONS } from '../host/db/migrations/index.js';
import { DataDirLock } from '../host/data-dir-lock.js';
import { parse, UsageError } from './args.js';
import { BACKUP_FORMAT, MANIFEST_FILE, sha256Of, type BackupManifest } from './backup.js';

const HELP = `Usage: nanoclaw restore BACKUP --data-dir DIR [--force]

Restores a "nanoclaw backup" directory into a data dir: checks the manifest (format, schema version, size and
SHA-256 of each file) first, then copies the central DB, the session DBs and the agent folders into place. Start the host on the
data dir afterwards; sessions resume where the backup left them.

Options:
  --data-dir DIR  the data dir to restore into (required); must be empty or missing
  --force         restore into a data dir that is not empty (no host may be running on it)
`;

function checkManifest(backup: string): BackupManifest {
  const file = path.join(backup, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new UsageError(`${backup}: no ${MANIFEST_FILE}: not a nanoclaw backup`);
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  if (m.format !== BACKUP_FORMAT) throw new UsageError(`${file}: unknown format ${JSON.stringify(m.format)}`);
  if (m.schemaVersion > CENTRAL_MIGRATIONS.length)
    throw new UsageError(
      `${file}: schema version ${m.schemaVersion} is newer than this build knows (${CENTRAL_MIGRATIONS.length}): upgrade nanoclaw first`,
    );
  for (const f of m.files) {
    const full = path.resolve(backup, f.path);
    if (path.isAbsolute(f.path) || !full.startsWith(path.resolve(backup) + path.sep))
      throw new UsageError(`${file}: path ${JSON.stringify(f.path)} is outside the backup`);
    if (!fs.existsSync(full)) throw new UsageError(`${backup}: ${f.path} is missing`);
    if (fs.statSync(full).size !== f.bytes || sha256Of(full) !== f.sha256)
      throw new UsageError(`${backup}: ${f.path} does not match the manifest (damaged or changed)`);
  }
  return m;
}

export function restoreDataDir(backup: string, dataDir: string, force: boolean): BackupManifest {
  const m = checkManifest(backup);
  if (!force && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0)
    throw new UsageError(`--data-dir: ${dataDir} is not empty (use --force to restore into it)`);
  const lock = DataDirLock.acquire(dataDir);
  try {
    for (const f of m.files) {
      const to = path.join(dataDir, f.path);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      const tmp = `${to}.restoring`;
      fs.copyFileSync(path.join(backup, f.path), tmp);
      if (f.path.endsWith('.db'))
        for (const side of ['-journal', '-wal', '-shm']) fs.rmSync(`${to}${side}`, { force: true });
      fs.renameSync(tmp, to);
    }
  } finally {
    lock.release();
  }
  return m;
}

export function restoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { 'data-dir': { type: 'string' }, force: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return Promise.resolve(0);
  }
  if (positionals.length !== 1) throw new UsageError('restore: give the backup directory');
  if (!values['data-dir']) throw new UsageError('restore: --data-dir is required');
  const dataDir = path.resolve(values['data-dir']);
  const m = restoreDataDir(path.resolve(positionals[0]!), dataDir, values.force ?? false);
  process.stdout.write(
    `${dataDir}: restored ${m.files.length} files of ${m.sessions} sessions (${m.createdAt})\n`,
  );
  return Promise.resolve(0);
}
