/**
 * How long a person waits at the terminal, measured on real processes:
 *
 *   npm-start: `npm start` (setup check + host) with dist/ up to date → the sign-in URL line (the warm start);
 *   start:     `node dist/cli/main.js start` → the sign-in URL line (the host alone);
 *   setup:     `node scripts/setup.mjs` with nothing to do (the source hash check);
 *   help:      `node dist/cli/main.js --help` to exit;
 *   node:      `node -e 0`, the floor every line above includes (it shows how loaded the machine was).
 *
 * Every start gets a fresh data dir (so it seeds its example config, as a first `npm start` in a clone does) and is
 * stopped with SIGTERM once the URL is out. Run one at a time: the numbers are wall-clock.
 *
 * Usage: npm run build && node dist/bench/start-time.js [--runs 5]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summary } from './bench-host.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(REPO, 'dist', 'cli', 'main.js');
const URL_LINE = /^http:\/\/127\.0\.0\.1:\d+\/\?token=/m;
const TIMEOUT_MS = 60_000;

/** Runs `argv`, resolving with the ms until `until` matches its stdout (then stops it) or until it exits. */
function timed(argv: string[], env: Record<string, string>, until?: RegExp): Promise<number> {
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: REPO,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let done = false;
    const timer = setTimeout(
      () => finish(new Error(`${argv.join(' ')}: no result in ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    const finish = (result: number | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // The whole group: npm start runs the host as a grandchild.
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      child.once('exit', () => (result instanceof Error ? reject(result) : resolve(result)));
      if (child.exitCode !== null) child.emit('exit');
    };
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (until?.test(out)) finish(performance.now() - started);
    });
    child.stderr.resume();
    child.once('exit', (code) => {
      if (until) finish(new Error(`${argv.join(' ')} exited ${code} before ${until}:\n${out.slice(-800)}`));
      else finish(performance.now() - started);
    });
  });
}

async function samples(runs: number, once: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await once());
  return out;
}

function freshStartEnv(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-start-'));
  return {
    NANOCLAW_DATA_DIR: path.join(dir, 'data'),
    NANOCLAW_CONFIG_DIR: path.join(dir, 'nanoclaw.d'),
    NANOCLAW_PORT: '0',
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' } } });
  const runs = Math.max(1, Math.min(50, Number(values.runs ?? 5)));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Once first, so dist/ and the stamp are current and every measured run is a warm one.
  await timed([npm, 'start'], freshStartEnv(), URL_LINE);
  console.log(`start-time: ${runs} runs each, ${os.cpus().length} cores, Node ${process.version}`);
  console.log(
    summary('npm-start', await samples(runs, () => timed([npm, 'start'], freshStartEnv(), URL_LINE))),
  );
  console.log(
    summary(
      'start',
      await samples(runs, () => timed([process.execPath, CLI, 'start'], freshStartEnv(), URL_LINE)),
    ),
  );
  console.log(
    summary('setup', await samples(runs, () => timed([process.execPath, 'scripts/setup.mjs'], {}))),
  );
  console.log(summary('help', await samples(runs, () => timed([process.execPath, CLI, '--help'], {}))));
  console.log(summary('node', await samples(runs, () => timed([process.execPath, '-e', '0'], {}))));
  console.log(
    `load average: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
