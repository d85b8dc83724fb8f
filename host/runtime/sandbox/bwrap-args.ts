/**
 * The bubblewrap command line of one embedded runner (pure: paths in, argv out).
 *
 * The sandbox shows the runner the filesystem a runner pod has (protocol/paths.ts, kubernetes/pod-spec.ts):
 *   /workspace          the session directory (rw)
 *   /workspace/inbound.db, /workspace/inbound.db-journal   read-only binds over themselves (only the host writes)
 *   /workspace/agent    the agent group's folder (read-only: a session must not plant what another one runs)
 *   /workspace/global   the global folder (read-only)
 *   /app/{dist,node_modules,package.json}   the app (read-only), /app/bin/node   the Node binary (read-only)
 *   /usr (and the /bin, /lib… links or dirs of the host), a few /etc files   read-only
 *   /proc (private: its own pid namespace), /dev (minimal), /tmp (empty tmpfs)
 *   /run/nanoclaw/runner.sock   the host's runner port as a Unix socket (host/runtime/runner-socket.ts)
 * and nothing else: no data dir, no central DB, no other session, no home directory.
 *
 * Invariants:
 * - Namespaces: pid, ipc, uts, cgroup and network are private. The runner's network is a loopback device of its
 *   own: it reaches the host only through the runner socket (which it bridges to a port on its own loopback),
 *   and no other service of the machine, loopback ones included.
 * - No capabilities (--cap-drop ALL, which matters when the host runs as root), a new terminal session (no
 *   TIOCSTI into the host's terminal), and the whole sandbox dies with the host (--die-with-parent).
 * - The environment is not part of argv (argv is visible to every local user in /proc): the caller passes it as
 *   the bwrap process's own environment, which bwrap hands to the runner unchanged.
 * - Bind sources are host paths resolved by bwrap before the sandbox exists; callers check that the session's
 *   entries (inbound.db, its journal, the mount points) are what they should be right before the launch.
 */
import path from 'node:path';
import { AGENT_SUBDIR, DEFAULT_WORKSPACE, GLOBAL_SUBDIR, workspacePaths } from '../../../protocol/paths.js';
import { journalFile } from '../../../protocol/session-db.js';

const APP = '/app';
const SANDBOX_NODE = `${APP}/bin/node`;
export const SANDBOX_PATH = `${APP}/bin:/usr/local/bin:/usr/bin:/bin`;
/** Where the runner finds the host's runner socket inside the sandbox. */
export const SANDBOX_HOST_SOCKET = '/run/nanoclaw/runner.sock';
/** Passed as the bwrap process's fd 3: bwrap writes {"child-pid": …} there once the sandbox runs. */
export const INFO_FD = 3;

/** One top-level system entry of the host: a directory bound read-only, or a link recreated as it is. */
export type SystemEntry = { path: string; dir: true } | { path: string; link: string };

export interface BwrapPlan {
  /** The package root holding dist/, node_modules/ and package.json. */
  appRoot: string;
  /** The real path of the Node binary. */
  node: string;
  /** The runner's entry below appRoot, e.g. dist/container/agent-runner/main.js. */
  entry: string;
  sessionDir: string;
  agentDir: string;
  globalDir: string;
  /** The host's runner socket (runner-socket.ts). */
  hostSocket: string;
  system: SystemEntry[];
  /** /etc files bound read-only when they exist (name resolution, TLS roots, time zones, users). */
  etc: string[];
}

/** The runner's command line inside the sandbox. */
export function sandboxRunnerCommand(entry: string): string[] {
  return [SANDBOX_NODE, path.posix.join(APP, entry)];
}

/** Namespaces, capabilities and the system part of the filesystem: what every sandbox (and the probe) has. */
function baseArgs(plan: Pick<BwrapPlan, 'system' | 'etc' | 'node'>): string[] {
  const args = [
    '--die-with-parent',
    '--new-session',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--unshare-net',
    '--cap-drop',
    'ALL',
  ];
  for (const e of plan.system) {
    args.push(...('link' in e ? ['--symlink', e.link, e.path] : ['--ro-bind', e.path, e.path]));
  }
  for (const file of plan.etc) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push('--ro-bind', plan.node, SANDBOX_NODE);
  return args;
}

/** A sandbox like a runner's, without the app and the workspace, in which Node evaluates `0`. */
export function bwrapProbeArgs(plan: Pick<BwrapPlan, 'system' | 'etc' | 'node'>): string[] {
  return [...baseArgs(plan), '--', SANDBOX_NODE, '-e', '0'];
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  const ws = workspacePaths(DEFAULT_WORKSPACE);
  const hostWs = workspacePaths(plan.sessionDir);
  const args = baseArgs(plan);
  for (const name of ['package.json', 'dist', 'node_modules']) {
    args.push('--ro-bind', path.join(plan.appRoot, name), `${APP}/${name}`);
  }
  args.push('--bind', plan.sessionDir, ws.root);
  for (const [host, inside] of [
    [hostWs.inboundDb, ws.inboundDb],
    [journalFile(hostWs.inboundDb), journalFile(ws.inboundDb)],
  ] as const) {
    args.push('--ro-bind', host, inside);
  }
  args.push('--ro-bind', plan.agentDir, `${ws.root}/${AGENT_SUBDIR}`);
  args.push('--ro-bind', plan.globalDir, `${ws.root}/${GLOBAL_SUBDIR}`);
  args.push('--ro-bind', plan.hostSocket, SANDBOX_HOST_SOCKET);
  args.push('--chdir', ws.root, '--info-fd', String(INFO_FD));
  args.push('--', ...sandboxRunnerCommand(plan.entry));
  return args;
}
