/**
 * One `nanoclaw start` per data dir: `<data dir>/host.lock` holds the running host's pid, machine and URL, so a
 * second start exits at once instead of fighting the first over its runners and port. (On Kubernetes the
 * Deployment's Recreate strategy is the guarantee.)
 *
 * Invariants:
 * - The lock file is created exclusively (O_EXCL), so of two hosts starting at once exactly one wins.
 * - A lock is stale — and taken over — when its process is gone: the pid no longer exists, or is this very
 *   process, or the lock names another machine (a data dir is local to one machine, so its writer cannot be
 *   running there; a renamed laptop must not be locked out).
 * - The lock is removed on a clean shutdown; after a crash the next start takes it over.
 * - Its URL is set once the host accepts messages: `nanoclaw chat` finds the running host through it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK_FILE = 'host.lock';

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  url: string | null;
}

export class DataDirLocked extends Error {
  override readonly name = 'DataDirLocked';
  constructor(
    readonly holder: LockInfo,
    dataDir: string,
  ) {
    super(
      `a host is already running on ${dataDir} (pid ${holder.pid} on ${holder.hostname}` +
        `${holder.url ? `, ${holder.url}` : ''}); stop it first, or use another --data-dir`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(file: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' && typeof info.hostname === 'string' ? (info as LockInfo) : null;
  } catch {
    return null;
  }
}

function isStale(info: LockInfo | null): boolean {
  if (info === null) return true;
  return info.hostname !== os.hostname() || info.pid === process.pid || !alive(info.pid);
}

export class DataDirLock {
  private constructor(
    private readonly file: string,
    private info: LockInfo,
  ) {}

  /** Takes the data dir's lock or throws DataDirLocked naming the running host. */
  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, LOCK_FILE);
    const info: LockInfo = {
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      url: null,
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o644 });
        return new DataDirLock(file, info);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = read(file);
      if (!isStale(holder)) throw new DataDirLocked(holder!, dataDir);
      fs.rmSync(file, { force: true });
    }
    throw new Error(`could not take ${file}: another host keeps recreating it`);
  }

  /** The live host holding the data dir's lock (its URL once it serves), or null when none is running. */
  static holder(dataDir: string): LockInfo | null {
    const info = read(path.join(dataDir, LOCK_FILE));
    return info !== null && !isStale(info) ? info : null;
  }

  /** Records the URL the host serves, for a second start's message (and clients looking for the host). */
  setUrl(url: string): void {
    this.info = { ...this.info, url };
    fs.writeFileSync(this.file, JSON.stringify(this.info));
  }

  release(): void {
    const current = read(this.file);
    if (current?.pid === this.info.pid && current.hostname === this.info.hostname)
      fs.rmSync(this.file, { force: true });
  }
}
