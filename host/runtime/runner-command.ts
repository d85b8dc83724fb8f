/** Where the compiled agent-runner lives, found from this module's own location (works from src and dist). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

const RUNNER_ENTRY = path.posix.join('dist', 'container', 'agent-runner', 'main.js');

/** The package root and the runner's entry relative to it; throws when the runner is not built. */
export function builtRunner(): { appRoot: string; entry: string } {
  const appRoot = packageRoot();
  const file = path.join(appRoot, RUNNER_ENTRY);
  if (!fs.existsSync(file))
    throw new Error(`agent-runner is not built (${file} is missing): run npm run build`);
  return { appRoot, entry: RUNNER_ENTRY };
}

export function defaultRunnerCommand(): string[] {
  const { appRoot, entry } = builtRunner();
  return [process.execPath, path.join(appRoot, entry)];
}
