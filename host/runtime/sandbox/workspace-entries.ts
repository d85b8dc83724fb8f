/**
 * The `agent` and `global` entries of a session directory, which the runner can change between runs: symlinks
 * for the unsandboxed runtime, empty directories (mount points) for the sandbox. Switching between the two (a
 * host restarted with another NANOCLAW_SANDBOX) replaces one with the other. Removing an entry never follows it.
 */
import fs from 'node:fs';
import path from 'node:path';

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Points `<workspace>/<name>` at `target`; an empty directory there (a sandbox's mount point) is removed. */
export function linkInto(workspace: string, name: string, target: string): void {
  const link = path.join(workspace, name);
  const st = lstatOrNull(link);
  if (st?.isSymbolicLink() && fs.readlinkSync(link) === target) return;
  if (st?.isDirectory()) fs.rmdirSync(link);
  else if (st) fs.rmSync(link);
  fs.symlinkSync(target, link, 'dir');
}

/** Makes `<workspace>/<name>` a real directory to mount over; a symlink or file there is removed first. */
export function mountPointIn(workspace: string, name: string): void {
  const entry = path.join(workspace, name);
  const st = lstatOrNull(entry);
  if (st?.isDirectory()) return;
  if (st) fs.rmSync(entry);
  fs.mkdirSync(entry);
}
