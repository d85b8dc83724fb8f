/**
 * Runners inside a bubblewrap sandbox (the layout and flags are in bwrap-args.ts).
 *
 * Invariants:
 * - Right before each launch the session directory is checked (mounted-workspace.ts). No sandboxed process
 *   outlives its run (a private pid namespace dies with its first process), so nothing can change it between
 *   this check and the mount.
 * - A graceful stop signals the runner itself: bwrap does not forward signals, and killing bwrap kills the
 *   sandbox outright (--die-with-parent). The runner is the child of the sandbox's init (whose host pid bwrap
 *   reports on its info fd) with the runner's command line; once found, it is the pid the runtime records, so a
 *   pid file names the runner process as it does without a sandbox (until then it names bwrap).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { DEFAULT_WORKSPACE } from '../../../protocol/paths.js';
import { RUNNER_ENV } from '../../../protocol/env.js';
import type { RunnerSpec } from '../runtime.js';
import {
  bwrapArgs,
  INFO_FD,
  SANDBOX_HOST_SOCKET,
  SANDBOX_PATH,
  sandboxRunnerCommand,
  type SystemEntry,
} from './bwrap-args.js';
import type { Launch, Launcher } from './launcher.js';
import { HOME_SUBDIR, prepareMountedWorkspace } from './mounted-workspace.js';

/** How long to look for the runner below the sandbox's init once bwrap reported it (50 × 20 ms). */
const FIND_TRIES = 50;
const FIND_RETRY_MS = 20;

export interface BwrapLauncherOptions {
  bwrap: string;
  dataDir: string;
  appRoot: string;
  node: string;
  entry: string;
  system: SystemEntry[];
  etc: string[];
}

export class BwrapLauncher implements Launcher {
  readonly sandbox = 'bubblewrap' as const;

  constructor(private readonly o: BwrapLauncherOptions) {}

  launch(spec: RunnerSpec, env: Record<string, string>): Launch {
    const { sessionDir, agentDir, globalDir, hostSocket } = prepareMountedWorkspace(this.o.dataDir, spec);
    const ws = DEFAULT_WORKSPACE;
    // No network in the sandbox: the runner finds the host through the socket, not a URL.
    const { [RUNNER_ENV.hostUrl]: _url, [RUNNER_ENV.anthropicBaseUrl]: _proxy, ...rest } = env;
    return {
      command: this.o.bwrap,
      args: bwrapArgs({
        appRoot: this.o.appRoot,
        node: this.o.node,
        entry: this.o.entry,
        sessionDir,
        agentDir,
        globalDir,
        hostSocket,
        system: this.o.system,
        etc: this.o.etc,
      }),
      cwd: sessionDir,
      env: {
        ...rest,
        [RUNNER_ENV.hostSocket]: SANDBOX_HOST_SOCKET,
        PATH: SANDBOX_PATH,
        HOME: `${ws}/${HOME_SUBDIR}`,
        TMPDIR: '/tmp',
        [RUNNER_ENV.workspace]: ws,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      attach: (child, onRunnerPid) => attachInfo(child, sandboxRunnerCommand(this.o.entry), onRunnerPid),
    };
  }

  isRunnerArgv(argv: string[]): boolean {
    const inner = sandboxRunnerCommand(this.o.entry).join('\0');
    const tail = argv.slice(-2).join('\0');
    return tail === inner && (argv.length === 2 || argv[0] === this.o.bwrap);
  }
}

function attachInfo(
  child: ChildProcess,
  inner: string[],
  onRunnerPid: (pid: number) => void,
): { terminate: () => void } {
  let runner: number | null = null;
  let info = '';
  const stream = child.stdio[INFO_FD];
  const find = (initPid: number, tries: number): void => {
    runner = childRunning(initPid, inner);
    if (runner !== null) onRunnerPid(runner);
    else if (tries > 0 && child.exitCode === null) setTimeout(() => find(initPid, tries - 1), FIND_RETRY_MS);
  };
  stream?.on('data', (chunk: Buffer) => {
    info += chunk.toString('utf8');
    try {
      const pid = (JSON.parse(info) as { 'child-pid'?: unknown })['child-pid'];
      if (typeof pid === 'number') find(pid, FIND_TRIES);
    } catch {
      // not complete yet
    }
  });
  stream?.on('error', () => undefined);
  return {
    terminate: () => {
      try {
        if (runner !== null) {
          process.kill(runner, 'SIGTERM');
          return;
        }
      } catch {
        // gone already: stop the sandbox itself
      }
      child.kill('SIGTERM');
    },
  };
}

/** The child of `pid` whose command line is `argv` (null when there is none or /proc does not say). */
function childRunning(pid: number, argv: string[]): number | null {
  const want = `${argv.join('\0')}\0`;
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    for (const kid of kids) {
      if (/^\d+$/.test(kid) && fs.readFileSync(`/proc/${kid}/cmdline`, 'utf8') === want) return Number(kid);
    }
  } catch {
    // gone, or no /proc children list
  }
  return null;
}
