/**
 * Files an agent sends (`send_file`): read from the session's outbox for the channel to upload, removed once
 * delivered.
 *
 * Invariants: a name is relative to the outbox and stays inside it (no absolute path, no `..`); every directory
 * on the way and the file itself are checked with session/safe-fs, so a symlink the runner planted is refused,
 * never followed; a file larger than the cap, missing or not regular fails the message with that reason.
 */
import path from 'node:path';
import { readBytesInside, removeFileInside, UnsafePathError } from '../session/safe-fs.js';

export function readOutboxFiles(
  dataDir: string,
  outbox: string,
  names: readonly string[],
  maxBytes: number,
): { name: string; data: Buffer }[] {
  const root = path.relative(dataDir, outbox);
  return names.map((name) => {
    let data: Buffer | null;
    try {
      data = readBytesInside(dataDir, `${root}/${name}`, maxBytes);
    } catch (err) {
      if (err instanceof UnsafePathError)
        throw new Error(`file ${name} refused: ${err.message}`, { cause: err });
      throw err;
    }
    if (!data)
      throw new Error(`file ${name} is missing, not a regular file or larger than ${maxBytes} bytes`);
    return { name: path.posix.basename(name), data };
  });
}

/** Best effort: a file that cannot be removed stays (the outbox is the agent's to tidy). */
export function removeOutboxFiles(dataDir: string, outbox: string, names: readonly string[]): void {
  const root = path.relative(dataDir, outbox);
  for (const name of names) {
    try {
      removeFileInside(dataDir, `${root}/${name}`);
    } catch {
      // a refused path was already reported when it was read
    }
  }
}
