/**
 * The operator as a real child process (`node dist/cli/main.js operator`), for tests and benchmarks that kill it,
 * run two of them, or measure its memory. dist/ is built by the test tiers' global setup (or `npm run build`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './assets.js';
import { startProcess, stopProcess, waitFor, type Managed } from './processes.js';

/** The compiled CLI; fails with a clear message when dist/ has not been built. */
export function operatorEntry(): string {
  const entry = path.join(repoRoot(), 'dist', 'cli', 'main.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  return entry;
}

export interface OperatorProcessOptions {
  kubeconfig: string;
  dataDir: string;
  namespaces: string[];
  identity: string;
  leaseDurationSeconds?: number;
  resyncSeconds?: number;
  logFile: string;
  logLevel?: string;
  /** Extra node flags for the operator process (e.g. V8 heap settings). */
  nodeArgs?: string[];
}

export class OperatorProcess {
  private constructor(
    readonly opts: OperatorProcessOptions,
    private readonly proc: Managed,
  ) {}

  static start(opts: OperatorProcessOptions): OperatorProcess {
    const entry = operatorEntry();
    const env = {
      ...process.env,
      KUBECONFIG: opts.kubeconfig,
      NANOCLAW_DATA_DIR: opts.dataDir,
      NANOCLAW_WATCH_NAMESPACES: opts.namespaces.join(','),
      NANOCLAW_OPERATOR_ID: opts.identity,
      NANOCLAW_LEASE_DURATION_SECONDS: String(opts.leaseDurationSeconds ?? 15),
      NANOCLAW_RESYNC_SECONDS: String(opts.resyncSeconds ?? 300),
      LOG_LEVEL: opts.logLevel ?? 'info',
      NANOCLAW_HEALTH_PORT: '0',
    };
    const args = [...(opts.nodeArgs ?? []), entry, 'operator'];
    const proc = startProcess(`operator ${opts.identity}`, process.execPath, args, opts.logFile, env);
    return new OperatorProcess(opts, proc);
  }

  get pid(): number {
    return this.proc.child.pid!;
  }

  get exited(): boolean {
    return this.proc.child.exitCode !== null || this.proc.child.signalCode !== null;
  }

  /** Parsed pino lines written so far. */
  logLines(): { msg?: string; [k: string]: unknown }[] {
    if (!fs.existsSync(this.opts.logFile)) return [];
    return fs
      .readFileSync(this.opts.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  }

  hasLogged(msg: string): boolean {
    return this.logLines().some((l) => l.msg === msg);
  }

  async waitForLog(msg: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(`"${msg}" from ${this.opts.identity}`, () => this.hasLogged(msg), {
      timeoutMs,
      failFast: () =>
        this.exited
          ? `operator exited:\n${fs.readFileSync(this.opts.logFile, 'utf8').slice(-2000)}`
          : undefined,
    });
  }

  /** Resident set size in bytes (Linux /proc). */
  rssBytes(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  }

  /** SIGKILL: no cleanup, no Lease release — a crash. */
  async kill(): Promise<void> {
    await stopProcess(this.proc, 0, 'SIGKILL');
  }

  /** SIGTERM: graceful stop (releases the Lease). */
  async stop(): Promise<void> {
    await stopProcess(this.proc, 10_000);
  }
}
