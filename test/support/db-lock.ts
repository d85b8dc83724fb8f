/**
 * Another process holding an exclusive lock on an SQLite file, as a backup tool, a `sqlite3` shell left in a
 * transaction or a stuck sidecar would. Bounded: the holder exits by itself after `maxMs`.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { REPO } from './host-process.js';

/** Resolves once the lock is held; the returned function releases it (kills the holder) and waits for that. */
export async function holdLock(dbFile: string, maxMs = 20_000): Promise<() => Promise<void>> {
  const code = `
    const db = new (require('better-sqlite3'))(process.argv[1], { timeout: 5000 });
    db.exec('BEGIN EXCLUSIVE');
    console.log('locked');
    setTimeout(() => process.exit(3), Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', code, dbFile, String(maxMs)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the lock holder never locked')), 10_000);
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      if (l === 'locked') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return async () => {
    child.kill('SIGKILL');
    await exited;
  };
}
