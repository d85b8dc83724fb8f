/**
 * The `docker run` command line of one runner container (pure: a plan in, argv out), and the names and labels
 * that tie a container to its host's data dir and session.
 *
 * The container shows the runner the filesystem a runner pod has (protocol/paths.ts, kubernetes/pod-spec.ts):
 *   /workspace                                  the session directory (rw)
 *   /workspace/inbound.db, inbound.db-journal   read-only binds over themselves (only the host writes them)
 *   /workspace/agent, /workspace/global         the agent group's folder and the global folder (read-only)
 *   /run/nanoclaw/runner.sock                   the host's runner port as a Unix socket (runner-socket.ts)
 *   /tmp                                        a tmpfs; the image's own files are a read-only root filesystem
 *
 * Invariants:
 * - No network (`--network none`): the runner reaches the host only through the socket, which it bridges to its
 *   own loopback (container/agent-runner/host-socket-bridge.ts).
 * - No capabilities, no privilege gain (no-new-privileges), a non-root user, memory/CPU/pids limits, an init as
 *   pid 1 (signals reach the runner, the shell's children are reaped), the image used as it is (`--pull never`).
 * - No environment value is part of argv (argv is visible to every local user in /proc): `--env NAME` makes the
 *   docker CLI copy NAME from its own environment, which the runtime sets to the runner's env. Only the layout's
 *   fixed variables (NANOCLAW_WORKSPACE, NANOCLAW_HOST_SOCKET, HOME, TMPDIR) carry their values here.
 * - Bind sources go through `--mount`, whose fields are comma-separated: a path with a comma or a newline is
 *   refused rather than parsed into another mount.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { AGENT_SUBDIR, DEFAULT_WORKSPACE, GLOBAL_SUBDIR, workspacePaths } from '../../../protocol/paths.js';
import { RUNNER_ENV } from '../../../protocol/env.js';
import { journalFile } from '../../../protocol/session-db.js';
import { RUNNER_COMMAND } from '../kubernetes/pod-spec.js';
import { HOME_SUBDIR } from '../sandbox/mounted-workspace.js';
import { cpuCount, memoryBytes, type DockerLimits } from './quantity.js';

/** Where the runner finds the host's runner socket inside the container. */
const CONTAINER_HOST_SOCKET = '/run/nanoclaw/runner.sock';
export const LABEL_INSTANCE = 'dev.nanoclaw.instance';
const LABEL_DATA_DIR = 'dev.nanoclaw.data-dir';
const LABEL_SESSION = 'dev.nanoclaw.session';
const LABEL_SPEC_HASH = 'dev.nanoclaw.spec-hash';
const TMPFS = '/tmp:rw,nosuid,nodev,exec,size=256m';

export interface DockerRunPlan {
  image: string;
  /** The data dir, as the host resolved it; its hash names and labels the containers of this host. */
  dataDir: string;
  sessionId: string;
  specHash: string;
  sessionDir: string;
  agentDir: string;
  globalDir: string;
  hostSocket: string;
  /** uid:gid the runner runs as (never 0). */
  user: { uid: number; gid: number };
  limits: DockerLimits;
  /** Names of the runner's environment variables; their values stay in the docker CLI's environment. */
  envNames: string[];
}

/** A short, stable id of a data dir: the value of every container's instance label. */
export function instanceId(dataDir: string): string {
  return createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
}

/** The container of a session: one name per data dir and session, so the engine refuses a second one. */
export function containerName(dataDir: string, sessionId: string): string {
  const safe = sessionId.replace(/[^a-zA-Z0-9_.-]/g, '_');
  const digest = createHash('sha256').update(sessionId).digest('hex').slice(0, 8);
  return `nanoclaw-${instanceId(dataDir)}-${safe.slice(0, 80)}-${digest}`;
}

/** The variables the layout sets, with their values (none is a secret). */
export function layoutEnv(): Record<string, string> {
  return {
    [RUNNER_ENV.workspace]: DEFAULT_WORKSPACE,
    [RUNNER_ENV.hostSocket]: CONTAINER_HOST_SOCKET,
    HOME: `${DEFAULT_WORKSPACE}/${HOME_SUBDIR}`,
    TMPDIR: '/tmp',
  };
}

function bind(source: string, target: string, readonly: boolean): string[] {
  for (const p of [source, target]) {
    if (/[,\n"]/.test(p)) throw new Error(`${p}: a path with a comma, quote or newline cannot be mounted`);
  }
  return ['--mount', `type=bind,source=${source},target=${target}${readonly ? ',readonly' : ''}`];
}

export function dockerRunArgs(p: DockerRunPlan): string[] {
  if (p.user.uid === 0 || p.user.gid === 0) throw new Error('a runner container never runs as root');
  const ws = workspacePaths(DEFAULT_WORKSPACE);
  const hostWs = workspacePaths(p.sessionDir);
  const layout = layoutEnv();
  const args = [
    'run',
    '--rm',
    '--name',
    containerName(p.dataDir, p.sessionId),
    '--label',
    `${LABEL_INSTANCE}=${instanceId(p.dataDir)}`,
    '--label',
    `${LABEL_DATA_DIR}=${path.resolve(p.dataDir)}`,
    '--label',
    `${LABEL_SESSION}=${p.sessionId}`,
    '--label',
    `${LABEL_SPEC_HASH}=${p.specHash}`,
    '--pull',
    'never',
    '--init',
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    `${p.user.uid}:${p.user.gid}`,
    '--memory',
    String(p.limits.memory),
    '--cpus',
    String(p.limits.cpus),
    '--pids-limit',
    String(p.limits.pids),
    '--tmpfs',
    TMPFS,
    '--workdir',
    ws.root,
    ...bind(p.sessionDir, ws.root, false),
    ...bind(hostWs.inboundDb, ws.inboundDb, true),
    ...bind(journalFile(hostWs.inboundDb), journalFile(ws.inboundDb), true),
    ...bind(p.agentDir, `${ws.root}/${AGENT_SUBDIR}`, true),
    ...bind(p.globalDir, `${ws.root}/${GLOBAL_SUBDIR}`, true),
    ...bind(p.hostSocket, CONTAINER_HOST_SOCKET, false),
  ];
  for (const [name, value] of Object.entries(layout)) args.push('--env', `${name}=${value}`);
  for (const name of p.envNames) {
    if (name in layout) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${name}: not an environment variable name`);
    args.push('--env', name);
  }
  args.push(p.image, ...RUNNER_COMMAND);
  return args;
}

/** The group's own limits (its `resources.limits`, as on Kubernetes) over the host's defaults. */
export function limitsFor(
  resources: { limits?: Record<string, string> } | undefined,
  defaults: DockerLimits,
): DockerLimits {
  const l = resources?.limits ?? {};
  return {
    memory: l.memory ? memoryBytes(l.memory) : defaults.memory,
    cpus: l.cpu ? cpuCount(l.cpu) : defaults.cpus,
    pids: defaults.pids,
  };
}
