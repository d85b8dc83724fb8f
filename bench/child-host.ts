/**
 * The real `nanoclaw host` as a child process for the benchmarks that measure the host process itself (its CPU
 * time, its system calls), optionally under `strace` (main thread only: no -f, so runners are never traced).
 *
 * Invariants: every wait is bounded; `stop()` always ends the host (SIGTERM to the host process itself, then
 * SIGKILL after 15 s), traced or not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { descendants, cmdline } from './proc.js';

const CLI = path.resolve(import.meta.dirname, '..', 'cli', 'main.js');

export interface ChildHost {
  /** The host's (node's) pid, below strace when traced. */
  pid: number;
  /** Spawn → the URL line, in ms. */
  startMs: number;
  /**
   * Spawn → the end of the background start-up recovery (it looks at every session once), in ms; rejects when
   * the host does not say so within `timeoutMs`.
   */
  recovered(timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startChildHost(o: {
  dataDir: string;
  env: Record<string, string>;
  /** Trace the host's main thread into this file (strace -y -ttt). */
  straceTo?: string;
  /** How long to wait for the URL line (default 60 s). */
  startTimeoutMs?: number;
}): Promise<ChildHost> {
  const t0 = performance.now();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NANOCLAW_DATA_DIR: o.dataDir,
    NANOCLAW_PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...o.env,
  };
  const command = o.straceTo
    ? ['strace', '-y', '-ttt', '-o', o.straceTo, '--', process.execPath, CLI, 'host']
    : [process.execPath, CLI, 'host'];
  const proc = spawn(command[0]!, command.slice(1), {
    env,
    cwd: o.dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const output: string[] = [];
  let recoveredAt: number | null = null;
  const recoveryWaiters = new Set<() => void>();
  const startTimeoutMs = o.startTimeoutMs ?? 60_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      for (const pid of descendants(proc.pid!)) process.kill(pid, 'SIGKILL');
      proc.kill('SIGKILL');
      reject(
        new Error(`the host did not print its URL in ${startTimeoutMs} ms:\n${output.slice(-10).join('\n')}`),
      );
    }, startTimeoutMs);
    const onLine = (line: string): void => {
      output.push(line);
      if (output.length > 200) output.shift();
      if (recoveredAt === null && line.includes('"msg":"start-up recovery done')) {
        recoveredAt = performance.now() - t0;
        for (const w of recoveryWaiters) w();
      }
      if (/^http:\/\/127\.0\.0\.1:\d+\//.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    readline.createInterface({ input: proc.stdout }).on('line', onLine);
    readline.createInterface({ input: proc.stderr }).on('line', onLine);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited with ${code}:\n${output.slice(-10).join('\n')}`));
    });
  });
  const pid = o.straceTo ? hostBelow(proc) : proc.pid!;
  const recovered = (timeoutMs: number): Promise<number> =>
    new Promise((resolve, reject) => {
      if (recoveredAt !== null) return resolve(recoveredAt);
      const done = (): void => {
        clearTimeout(timer);
        recoveryWaiters.delete(done);
        resolve(recoveredAt!);
      };
      const timer = setTimeout(() => {
        recoveryWaiters.delete(done);
        reject(new Error(`the host did not finish its start-up recovery in ${timeoutMs} ms`));
      }, timeoutMs);
      recoveryWaiters.add(done);
    });
  return { pid, startMs: performance.now() - t0, recovered, stop: () => stop(proc, pid, exited) };
}

function hostBelow(strace: ChildProcess): number {
  const pid = descendants(strace.pid!).find((p) => cmdline(p).includes(CLI));
  if (pid === undefined) throw new Error('no host process found below strace');
  return pid;
}

/** Signals the host itself (strace would detach and leave it running); strace exits with it. */
async function stop(proc: ChildProcess, hostPid: number, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(hostPid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const killer = setTimeout(() => {
    signal('SIGKILL');
    proc.kill('SIGKILL');
  }, 15_000);
  await exited;
  clearTimeout(killer);
}
