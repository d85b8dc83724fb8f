import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLock, DataDirLocked } from './data-dir-lock.js';

let dir: string;
const lockFile = () => path.join(dir, 'host.lock');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly does not run: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe('DataDirLock', () => {
  it('refuses a second host naming the running one, and frees the dir on release', () => {
    const lock = DataDirLock.acquire(dir);
    const parent = process.ppid;
    fs.writeFileSync(
      lockFile(),
      JSON.stringify({ pid: parent, hostname: os.hostname(), startedAt: 'x', url: 'http://127.0.0.1:3000/' }),
    );
    let err: unknown;
    try {
      DataDirLock.acquire(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirLocked);
    expect((err as Error).message).toContain(`pid ${parent}`);
    expect((err as Error).message).toContain('http://127.0.0.1:3000/');
    fs.rmSync(lockFile());
    lock.release();
    DataDirLock.acquire(dir).release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a host that died', () => {
    fs.writeFileSync(
      lockFile(),
      JSON.stringify({ pid: deadPid(), hostname: os.hostname(), startedAt: 'x', url: null }),
    );
    const lock = DataDirLock.acquire(dir);
    lock.setUrl('http://127.0.0.1:4000/');
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({
      pid: process.pid,
      url: 'http://127.0.0.1:4000/',
    });
    lock.release();
  });

  it('takes over an unreadable lock and one naming another machine', () => {
    fs.writeFileSync(lockFile(), 'garbage');
    DataDirLock.acquire(dir).release();
    fs.writeFileSync(
      lockFile(),
      JSON.stringify({ pid: process.ppid, hostname: 'elsewhere', startedAt: 'x', url: null }),
    );
    DataDirLock.acquire(dir).release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('names the live holder and its URL to clients, and nobody for a dead host or no lock', () => {
    expect(DataDirLock.holder(dir)).toBeNull();
    const live = {
      pid: process.ppid,
      hostname: os.hostname(),
      startedAt: 'x',
      url: 'http://127.0.0.1:4100/',
    };
    fs.writeFileSync(lockFile(), JSON.stringify(live));
    expect(DataDirLock.holder(dir)).toEqual(live);
    fs.writeFileSync(lockFile(), JSON.stringify({ ...live, pid: deadPid() }));
    expect(DataDirLock.holder(dir)).toBeNull();
  });
});
