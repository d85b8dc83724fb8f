/**
 * Runs the real `nanoclaw` CLI as a child process for integration tests, on a private data dir and free ports,
 * and collects its JSON log lines so tests can wait for what the host says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { registerHost } from './web-client.js';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli', 'main.js');

export interface HostProcess {
  /** The web chat's base URL (the start-up line without its sign-in token). */
  url: string;
  /** The start-up line: on loopback, the one-time sign-in URL. */
  signInUrl: string;
  dataDir: string;
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  output: string[];
  waitForLog(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export function tempDir(prefix = 'nc-it-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startHostProcess(opts: {
  dataDir: string;
  verb?: 'host' | 'start';
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
}): Promise<HostProcess> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NANOCLAW_DATA_DIR: opts.dataDir,
    NANOCLAW_PORT: '0',
    NANOCLAW_RUNNER_POLL_MS: '250',
    NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'debug',
    ...opts.env,
  };
  const proc = spawn(process.execPath, [CLI, opts.verb ?? 'host', ...(opts.args ?? [])], {
    env,
    cwd: opts.dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const output: string[] = [];
  const waiters = new Set<() => void>();
  let url: string | null = null;
  let signInUrl = '';
  const onLine = (line: string): void => {
    output.push(line);
    const start = /^(http:\/\/127\.0\.0\.1:\d+\/)(\?token=[A-Za-z0-9_-]+)?$/.exec(line);
    if (start) {
      url = start[1]!;
      signInUrl = line;
    }
    if (line.startsWith('{')) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    for (const w of waiters) w();
  };
  readline.createInterface({ input: proc.stdout }).on('line', onLine);
  readline.createInterface({ input: proc.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const v = check();
        if (v === undefined) return false;
        waiters.delete(attempt);
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`timed out waiting for ${what}; last output:\n${output.slice(-15).join('\n')}`));
      }, timeoutMs);
      if (!attempt()) waiters.add(attempt);
    });

  const startTimeout = opts.timeoutMs ?? 20_000;
  await Promise.race([
    waitFor(() => url ?? undefined, startTimeout, 'the web chat URL'),
    exited.then((code) => {
      if (url === null)
        throw new Error(`host exited with ${code} before it was ready:\n${output.slice(-15).join('\n')}`);
    }),
  ]);
  registerHost(url!, opts.dataDir);
  return {
    url: url!,
    signInUrl,
    dataDir: opts.dataDir,
    proc,
    logs,
    output,
    waitForLog: (pred, timeoutMs = 15_000) => waitFor(() => logs.find(pred), timeoutMs, 'a log line'),
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
