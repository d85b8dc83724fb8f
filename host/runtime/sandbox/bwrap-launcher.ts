/**
 * Runners inside a bubblewrap sandbox (the layout and flags are in bwrap-args.ts).
 *
 * Invariants:
 * - Right before each launch the session directory is checked: `agent` and `global` are real directories (mount
 *   points; a planted symlink is replaced), inbound.db and its journal are regular files (bwrap would follow a
 *   symlink there and bind whatever it points at). No sandboxed process outlives its run (a private pid
 *   namespace dies with its first process), so nothing can change them between this check and the mount.
 * - A graceful stop signals the runner itself: bwrap does not forward signals, and killing bwrap kills the
 *   sandbox outright (--die-with-parent). The runner is the child of the sandbox's init (whose host pid bwrap
 *   reports on its info fd) with the runner's command line; once found, it is the pid the runtime records, so a
 *   pid file names the runner process as it does without a sandbox (until then it names bwrap).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT_SUBDIR, DEFAULT_WORKSPACE, GLOBAL_SUBDIR, workspacePaths } from '../../../protocol/paths.js';
import { RUNNER_ENV } from '../../../protocol/env.js';
import { journalFile } from '../../../protocol/session-db.js';
import { ensureDirInside, regularFileInside } from '../../session/safe-fs.js';
import type { RunnerSpec } from '../runtime.js';
import { runnerSocketPath } from '../runner-socket.js';
import {
  bwrapArgs,
  INFO_FD,
  SANDBOX_HOST_SOCKET,
  SANDBOX_PATH,
  sandboxRunnerCommand,
  type SystemEntry,
} from './bwrap-args.js';
import type { Launch, Launcher } from './launcher.js';
import { mountPointIn } from './workspace-entries.js';

const HOME_SUBDIR = '.home';
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
    const data = this.o.dataDir;
    const sessionDir = ensureDirInside(data, spec.sessionSubPath);
    mountPointIn(sessionDir, AGENT_SUBDIR);
    mountPointIn(sessionDir, GLOBAL_SUBDIR);
    ensureDirInside(data, path.join(spec.sessionSubPath, HOME_SUBDIR));
    const inbound = path.relative(sessionDir, workspacePaths(sessionDir).inboundDb);
    for (const name of [inbound, journalFile(inbound)]) {
      const file = regularFileInside(data, path.join(spec.sessionSubPath, name));
      if (!fs.existsSync(file))
        throw new Error(`${file} is missing: the host creates it before a runner starts`);
    }
    const hostSocket = runnerSocketPath(data);
    if (!fs.lstatSync(hostSocket, { throwIfNoEntry: false })?.isSocket())
      throw new Error(`${hostSocket} is missing: the host listens there before a sandboxed runner starts`);
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
        agentDir: ensureDirInside(data, spec.agentSubPath),
        globalDir: ensureDirInside(data, spec.globalSubPath),
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
