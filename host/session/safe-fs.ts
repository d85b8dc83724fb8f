/**
 * File operations of the host inside directories a runner can write (agent folders, session directories).
 * A runner may plant symlinks, directories or odd files there at any time; these helpers never let such an
 * entry redirect a host write or read outside the tree.
 *
 * Invariants:
 * - Paths are relative to a root the host owns (the data dir); an absolute path or a `..` segment is refused.
 * - Every directory from the root down is checked with lstat: a symlink or anything but a directory refuses the
 *   operation, so nothing resolves outside the root. The root itself may be a symlink (it is the host's choice).
 * - The last component is never followed: reads open it with O_NOFOLLOW and accept only a regular file; writes go
 *   to a fresh temp file (O_CREAT | O_EXCL | O_NOFOLLOW) in the same directory that is then renamed over the
 *   target, so a planted symlink is replaced, never written through.
 * - What stays open: a runner that can rename directories on the checked path could swap one between the check
 *   and the use. Runners cannot on Kubernetes (each folder they write is its own mount point); an embedded runner
 *   running as the host's uid can do anything the host can (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
}

function segments(rel: string): string[] {
  if (path.isAbsolute(rel)) throw new UnsafePathError(`${rel}: an absolute path where a relative one is due`);
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..'))
    throw new UnsafePathError(`${rel}: must name an entry inside its root`);
  return parts;
}

/** Checks `dir` (absolute) is a real directory: not a symlink, not a file. Returns false when it is missing. */
function isRealDir(dir: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!st.isDirectory()) throw new UnsafePathError(`${dir} is not a directory (symlink or file)`);
  return true;
}

/** Walks `parts` below `root`, creating missing directories; each existing one must be a real directory. */
function walk(root: string, parts: string[], create: boolean): string | null {
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    if (isRealDir(dir)) continue;
    if (!create) return null;
    try {
      fs.mkdirSync(dir, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!isRealDir(dir)) throw new UnsafePathError(`${dir} vanished while being created`);
  }
  return dir;
}

/** Creates `root/rel` and its missing parents as real directories; returns its absolute path. */
export function ensureDirInside(root: string, rel: string): string {
  return walk(root, segments(rel), true)!;
}

/**
 * Checks that no directory on the way to `root/rel` is a symlink and that `root/rel` itself is a regular file or
 * missing. Returns its absolute path. For files opened by a library that cannot take O_NOFOLLOW (SQLite).
 */
export function regularFileInside(root: string, rel: string): string {
  const parts = segments(rel);
  walk(root, parts.slice(0, -1), false);
  const file = path.join(root, ...parts);
  try {
    if (!fs.lstatSync(file).isFile()) throw new UnsafePathError(`${file} is not a regular file`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return file;
}

/**
 * The content of `root/rel` as UTF-8, or null when it is missing, not a regular file (a symlink included) or
 * larger than `maxBytes`.
 */
export function readFileInside(root: string, rel: string, maxBytes: number): string | null {
  return readBytesInside(root, rel, maxBytes)?.toString('utf8') ?? null;
}

/** The bytes of `root/rel`, or null when it is missing, not a regular file (a symlink included) or too large. */
export function readBytesInside(root: string, rel: string, maxBytes: number): Buffer | null {
  const parts = segments(rel);
  const dir = walk(root, parts.slice(0, -1), false);
  if (dir === null) return null;
  let fd: number;
  try {
    fd = fs.openSync(
      path.join(dir, parts[parts.length - 1]!),
      fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENXIO') return null;
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return null;
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The entries of the directory `root/rel` (types as lstat sees them: a symlink is a symlink), or null when it is
 * missing. Every directory on the way, `rel` included, must be a real directory.
 */
export function listDirInside(root: string, rel: string): fs.Dirent[] | null {
  const dir = walk(root, segments(rel), false);
  return dir === null ? null : fs.readdirSync(dir, { withFileTypes: true });
}

/** Replaces `root/rel` with `data` (parents are created as real directories). */
export function writeFileInside(root: string, rel: string, data: string | Buffer, mode = 0o644): void {
  const parts = segments(rel);
  const dir = walk(root, parts.slice(0, -1), true)!;
  const target = path.join(dir, parts[parts.length - 1]!);
  const temp = path.join(dir, `.${parts[parts.length - 1]!}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(
    temp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    mode,
  );
  try {
    try {
      fs.writeFileSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/** Removes `root/rel` if it is there (a symlink is removed, never followed); false when nothing was removed. */
export function removeFileInside(root: string, rel: string): boolean {
  const parts = segments(rel);
  const dir = walk(root, parts.slice(0, -1), false);
  if (dir === null) return false;
  try {
    fs.unlinkSync(path.join(dir, parts[parts.length - 1]!));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
