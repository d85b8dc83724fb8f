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

const RUNNER_ENTRY = path.join('dist', 'container', 'agent-runner', 'main.js');

export function defaultRunnerCommand(): string[] {
  const entry = path.join(packageRoot(), RUNNER_ENTRY);
  if (!fs.existsSync(entry))
    throw new Error(`agent-runner is not built (${entry} is missing): run npm run build`);
  return [process.execPath, entry];
}
