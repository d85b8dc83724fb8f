/**
 * How the embedded runtime turns a runner spec into a process: directly as the host's user ('none'), or inside a
 * bubblewrap sandbox. A launcher prepares the session's workspace on disk and says what to spawn; the runtime
 * (local-process.ts) spawns it, keeps the pid file and reports exits.
 *
 * Invariants:
 * - The environment is exactly `env` plus what the launcher adds for the layout (NANOCLAW_WORKSPACE, HOME, PATH,
 *   TMPDIR): nothing of the host's own environment.
 * - `launch` runs right before the spawn and checks what the runner could have changed since its last run (links,
 *   mount points, inbound.db) — it throws rather than start a runner on a tampered workspace.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { RunnerSpec } from '../runtime.js';

type SandboxKind = 'bubblewrap' | 'none';

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdio: StdioOptions;
  /**
   * Called once with the spawned process; returns how to ask the runner to stop gracefully. `onRunnerPid` is
   * called when the runner's pid turns out to differ from the spawned process's (a sandbox's inner process).
   */
  attach(child: ChildProcess, onRunnerPid: (pid: number) => void): { terminate: () => void };
}

export interface Launcher {
  readonly sandbox: SandboxKind;
  launch(spec: RunnerSpec, env: Record<string, string>): Launch;
  /** Whether a command line (from /proc/<pid>/cmdline) is one of a runner (or its launcher) this launcher starts. */
  isRunnerArgv(argv: string[]): boolean;
}
