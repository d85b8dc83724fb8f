/**
 * The embedded runtime: each runner is a child process of the host, with the same workspace tree a pod gets.
 * How it is launched — inside a bubblewrap sandbox or directly as the host's user — is the launcher's part
 * (sandbox/launcher.ts); this file keeps the processes: pid files, stops, exit reports.
 *
 * Invariants:
 * - At most one runner process per session. A runner can outlive a host killed with SIGKILL (without a sandbox it
 *   is an ordinary process), so start() kills every leftover before any new runner can open the same session's
 *   DBs: those its pid file names, and those /proc shows are runners of this data dir without one (the host died
 *   between the spawn and the pid file). Pid files live in <data>/run/runners/, never in the runner-writable
 *   session directory (`<session id>.pid`, the pid as text), written as soon as spawn() returns, and their
 *   content is not trusted blindly: a pid is signalled only when /proc shows a runner command line of this
 *   runtime's launcher and the session's id in the process environment (so neither a reused pid nor a forged
 *   file gets an unrelated process killed). The /proc scan takes only processes of this launcher whose
 *   workspace (environment) or bind mounts (bwrap's command line) lie inside this data dir, so the runners of
 *   another host on the same machine are left alone. Without /proc (macOS) neither finds anything.
 * - ensureRunning rejects when the runner command cannot be spawned, and then nothing counts as running for the
 *   session (a failed spawn never emits 'exit', so a registered entry would block every later start).
 * - Host file operations in the session directory go through session/safe-fs.ts (no symlink is followed).
 * - The child gets a clean environment: only the spec's env, the session token, and the layout's PATH, HOME
 *   (and TMPDIR) and TZ. The host's own secrets (ANTHROPIC_API_KEY, channel tokens) are never inherited.
 * - Without a sandbox, `refuse` (the shared-chat rule, shared-chat.ts) may veto a start: ensureRunning then
 *   throws an Error saying why and what to set, and nothing is spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { RUNNER_ENV } from '../../protocol/env.js';
import { ensureDirInside, writeFileInside } from '../session/safe-fs.js';
import type {
  AgentRuntime,
  EnsureResult,
  RunnerExit,
  RunnerInfo,
  RunnerSpec,
  RuntimeDescription,
} from './runtime.js';
import type { Launcher } from './sandbox/launcher.js';

const PID_DIR = path.join('run', 'runners');
const PID_SUFFIX = '.pid';
const STOP_GRACE_MS = 5000;

export interface LocalProcessOptions {
  dataDir: string;
  launcher: Launcher;
  log: Logger;
  /** Set when runners are not isolated: what an agent can reach (describe()'s warning). */
  warning?: string;
  /** A reason not to start this runner (checked before every start), or null to start it. */
  refuse?: (spec: RunnerSpec) => string | null;
  timezone?: string;
  /** Where runner stdout/stderr lines go; defaults to the host's stdout. */
  output?: (line: string) => void;
}

interface Running {
  child: ChildProcess;
  terminate: () => void;
  info: RunnerInfo;
  stopping: boolean;
  exited: Promise<void>;
}

export class LocalProcessRuntime implements AgentRuntime {
  readonly kind = 'local-process' as const;
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<(exit: RunnerExit) => void>();

  constructor(private readonly opts: LocalProcessOptions) {}

  describe(): RuntimeDescription {
    return {
      runtime: 'local-process',
      sandbox: this.opts.launcher.sandbox,
      ...(this.opts.warning ? { warning: this.opts.warning } : {}),
    };
  }

  start(): Promise<void> {
    const dir = ensureDirInside(this.opts.dataDir, PID_DIR);
    const leftovers = new Set<number>();
    for (const name of fs.readdirSync(dir)) {
      const pidFile = path.join(dir, name);
      const pid = name.endsWith(PID_SUFFIX) ? readPid(pidFile) : null;
      if (pid !== null && isOurRunner(pid, name.slice(0, -PID_SUFFIX.length), this.opts.launcher))
        leftovers.add(pid);
      fs.rmSync(pidFile, { force: true });
    }
    for (const pid of runnersOfDataDir(this.opts.dataDir, this.opts.launcher)) leftovers.add(pid);
    let killed = 0;
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
    if (killed > 0) this.opts.log.warn({ killed }, 'killed runners left behind by a previous host');
    return Promise.resolve();
  }

  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId);
  }

  list(): RunnerInfo[] {
    return [...this.running.values()].map((r) => r.info);
  }

  onExit(listener: (exit: RunnerExit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ensureRunning(spec: RunnerSpec): Promise<EnsureResult> {
    const current = this.running.get(spec.sessionId);
    if (current && !current.stopping && current.info.specHash === spec.specHash) return 'already-running';
    const refusal = this.opts.refuse?.(spec) ?? null;
    if (refusal !== null) {
      this.opts.log.error({ sessionId: spec.sessionId, agentGroup: spec.agentGroupId }, refusal);
      throw new Error(refusal);
    }
    let result: EnsureResult = 'started';
    if (current) {
      result = 'replaced';
      await this.stop(spec.sessionId, 'spec changed');
    }
    await this.spawnRunner(spec);
    return result;
  }

  /** Resolves once the process runs; rejects (leaving nothing registered) when it cannot be spawned at all. */
  private async spawnRunner(spec: RunnerSpec): Promise<void> {
    const data = this.opts.dataDir;
    const launch = this.opts.launcher.launch(spec, {
      ...(this.opts.timezone ? { TZ: this.opts.timezone } : {}),
      ...Object.fromEntries(spec.extraEnv.map((e) => [e.name, e.value])),
      ...spec.env,
    });
    const env = { ...launch.env, [RUNNER_ENV.sessionToken]: spec.issueToken() };
    const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env, stdio: launch.stdio });
    const pidRel = path.join(PID_DIR, `${spec.sessionId}${PID_SUFFIX}`);
    const pidFile = path.join(data, pidRel);
    const recordPid = (pid: number): void => {
      if (child.exitCode === null && child.signalCode === null)
        writeFileInside(data, pidRel, String(pid), 0o600);
    };
    // At once, in the same turn as the fork: a host killed from here on leaves a pid file behind.
    if (child.pid) recordPid(child.pid);
    // A failed spawn (ENOENT, EACCES) emits 'error' and never 'exit': nothing may be registered for it.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(
          new Error(`could not run the runner command ${launch.command}: ${err.message}`, { cause: err }),
        ),
      );
    });
    const info: RunnerInfo = { sessionId: spec.sessionId, specHash: spec.specHash, startedAt: Date.now() };
    const { terminate } = launch.attach(child, recordPid);
    const out = this.opts.output ?? ((line: string) => process.stdout.write(`${line}\n`));
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', out);
    }
    const entry: Running = {
      child,
      terminate,
      info,
      stopping: false,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          fs.rmSync(pidFile, { force: true });
          if (this.running.get(spec.sessionId) === entry) this.running.delete(spec.sessionId);
          const exit: RunnerExit = { sessionId: spec.sessionId, code, signal, expected: entry.stopping };
          this.opts.log[exit.expected ? 'debug' : 'warn'](
            { sessionId: spec.sessionId, code, signal },
            exit.expected ? 'runner stopped' : 'runner exited unexpectedly',
          );
          for (const l of this.listeners) l(exit);
          resolve();
        });
      }),
    };
    child.on('error', (err) =>
      this.opts.log.error({ sessionId: spec.sessionId, err: err.message }, 'runner process error'),
    );
    this.running.set(spec.sessionId, entry);
    this.opts.log.info(
      {
        sessionId: spec.sessionId,
        agentGroup: spec.agentGroupId,
        pid: child.pid,
        sandbox: this.opts.launcher.sandbox,
      },
      'runner started',
    );
  }

  async stop(sessionId: string, reason: string): Promise<void> {
    const r = this.running.get(sessionId);
    if (!r) return;
    r.stopping = true;
    this.opts.log.debug({ sessionId, reason }, 'stopping runner');
    r.terminate();
    const timer = setTimeout(() => r.child.kill('SIGKILL'), STOP_GRACE_MS);
    await r.exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id, 'host shutdown')));
  }
}

/** The pid a pid file names, or null when it does not hold one. */
function readPid(file: string): number | null {
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
}

/**
 * Whether `pid` is still a runner this runtime started for `sessionId`: a runner command line of the launcher and
 * the session's id in its environment (readable only for our own uid). A reused pid or a forged file fails this.
 */
function isOurRunner(pid: number, sessionId: string, launcher: Launcher): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    if (!launcher.isRunnerArgv(argv)) return false;
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.includes(`${RUNNER_ENV.sessionId}=${sessionId}`);
  } catch {
    return false;
  }
}

/**
 * Runner processes of this launcher that belong to `dataDir` (see the invariants): the workspace in their
 * environment, or a path on their command line (a sandbox's bind mounts), is inside it. Empty without /proc.
 */
function runnersOfDataDir(dataDir: string, launcher: Launcher): number[] {
  const roots = new Set([path.resolve(dataDir)]);
  try {
    roots.add(fs.realpathSync(dataDir));
  } catch {
    // no such directory yet: nothing can run in it
  }
  const inside = (p: string) => [...roots].some((r) => p.startsWith(`${r}${path.sep}`));
  const found: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (!launcher.isRunnerArgv(argv)) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const workspace = env
        .find((e) => e.startsWith(`${RUNNER_ENV.workspace}=`))
        ?.slice(RUNNER_ENV.workspace.length + 1);
      if ((workspace !== undefined && inside(workspace)) || argv.some(inside)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
