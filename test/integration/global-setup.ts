/**
 * Integration-tier global setup: compiles the project once (tsconfig.build.json → dist/) so tests can spawn the
 * real processes (`node dist/container/agent-runner/main.js`, `node dist/cli/main.js`).
 * Type errors are reported but do not stop the tier as long as the entry points were emitted: tsc emits
 * anyway, and `npm test` type-checks separately.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const ENTRIES = [path.join(REPO, 'dist', 'container', 'agent-runner', 'main.js')];

export default function setup(): void {
  if (process.env.NANOCLAW_SKIP_BUILD === '1') return;
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    process.stderr.write(`integration global setup: tsc exited ${res.status}\n${res.stdout}${res.stderr}\n`);
  }
  const missing = ENTRIES.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`build did not produce ${missing.join(', ')}`);
}
