/**
 * Chooses and builds the agent runtime the configuration asks for, and says which (one log line).
 *
 * Invariant: the embedded mode never loads the Kubernetes client (@kubernetes/client-node costs most of a second
 * at start): the kubernetes runtime and its client are imported only when NANOCLAW_RUNTIME=kubernetes.
 */
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { HostConfig } from '../config.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { defaultLogFormat } from '../log.js';
import { DockerRuntime } from './docker/docker-runtime.js';
import { LocalProcessRuntime } from './local-process.js';
import { runnerOutput } from './runner-output.js';
import type { AgentRuntime } from './runtime.js';
import { chooseSandbox } from './sandbox/choose-sandbox.js';
import { DirectLauncher } from './sandbox/direct-launcher.js';
import { sharedChatReason } from './shared-chat.js';

const SHARED_CHATS_FLAG = 'NANOCLAW_UNSANDBOXED_SHARED_CHATS';

/**
 * Runner pods of a group declared by an AgentGroup in the pods' own namespace are owned by that object, so deleting
 * it garbage-collects them on a real cluster. Groups created at run time have no such object; the host deletes
 * their pods itself (as it does for every pod it no longer wants).
 */
export function agentGroupOwner(
  db: CentralDb,
  agentGroupId: string,
  namespace: string,
): V1OwnerReference | undefined {
  const group = getAgentGroup(db, agentGroupId);
  if (!group || group.source !== 'crd' || !group.source_uid) return undefined;
  const slash = group.id.indexOf('/');
  const [ns, name] =
    slash < 0 ? [namespace, group.id] : [group.id.slice(0, slash), group.id.slice(slash + 1)];
  if (ns !== namespace) return undefined;
  return { apiVersion: 'nanoclaw.dev/v1alpha1', kind: 'AgentGroup', name, uid: group.source_uid };
}

/** `runnerCommand` (embedded only) runs runners with that command, directly: no sandbox. */
export async function createRuntime(
  config: HostConfig,
  db: CentralDb,
  log: Logger,
  runnerCommand?: string[],
): Promise<AgentRuntime> {
  const runtime =
    config.runtime === 'kubernetes'
      ? await createKubernetesRuntime(config, db, log)
      : config.runtime === 'docker'
        ? await createDockerRuntime(config, log)
        : await createLocalRuntime(config, db, log, runnerCommand);
  const d = runtime.describe();
  if (d.warning) log.warn({ runtime: d.runtime, sandbox: d.sandbox }, d.warning);
  else log.info({ runtime: d.runtime, sandbox: d.sandbox }, `runners: ${d.runtime}, sandbox ${d.sandbox}`);
  return runtime;
}

async function createKubernetesRuntime(
  config: HostConfig,
  db: CentralDb,
  log: Logger,
): Promise<AgentRuntime> {
  const [{ KubeConfig }, { PooledKubeConfig }, { KubernetesRuntime }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('../../kube/kubeconfig.js'),
    import('./kubernetes/kubernetes-runtime.js'),
  ]);
  const base = new KubeConfig();
  base.loadFromDefault();
  const k = config.kubernetes;
  return new KubernetesRuntime({
    kc: PooledKubeConfig.from(base),
    log,
    namespace: k.namespace,
    instance: k.instance,
    image: k.image,
    imagePullPolicy: k.imagePullPolicy,
    pvcName: k.pvcName,
    accessMode: k.accessMode,
    ...(k.nodeName ? { nodeName: k.nodeName } : {}),
    runAsUser: k.uid,
    runAsGroup: k.gid,
    fsGroup: k.gid,
    defaultResources: k.resources,
    ownerFor: (id) => agentGroupOwner(db, id, k.namespace),
  });
}

/** The docker CLI's own variables pass through to it; nothing else of the host's environment does. */
const DOCKER_CLI_ENV = /^(PATH|HOME|DOCKER_[A-Z_]+)$/;

async function createDockerRuntime(config: HostConfig, log: Logger): Promise<AgentRuntime> {
  const d = config.docker;
  const uid = process.getuid?.() ?? d.uid;
  const gid = process.getgid?.() ?? d.gid;
  const root = uid === 0;
  const pretty = (config.logFormat ?? defaultLogFormat()) === 'pretty';
  const runtime = new DockerRuntime({
    dataDir: config.dataDir,
    log,
    cli: d.cli,
    cliEnv: Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => DOCKER_CLI_ENV.test(e[0]) && e[1] !== undefined,
      ),
    ),
    image: d.image,
    limits: d.limits,
    user: root ? { uid: d.uid, gid: d.gid } : { uid, gid },
    chownToUser: root,
    ...(config.timezone ? { timezone: config.timezone } : {}),
    ...(pretty ? { output: runnerOutput(log) } : {}),
  });
  await runtime.check();
  return runtime;
}

async function createLocalRuntime(
  config: HostConfig,
  db: CentralDb,
  log: Logger,
  runnerCommand: string[] | undefined,
): Promise<AgentRuntime> {
  const { launcher, unavailable } = runnerCommand
    ? { launcher: new DirectLauncher(config.dataDir, runnerCommand), unavailable: 'a custom runner command' }
    : await chooseSandbox(config.sandbox.mode, config.dataDir);
  const unsandboxed = launcher.sandbox === 'none';
  const shared = config.sandbox.unsandboxedSharedChats;
  const pretty = (config.logFormat ?? defaultLogFormat()) === 'pretty';
  return new LocalProcessRuntime({
    dataDir: config.dataDir,
    launcher,
    log,
    ...(pretty ? { output: runnerOutput(log) } : {}),
    ...(config.timezone ? { timezone: config.timezone } : {}),
    ...(unsandboxed ? { warning: unsandboxedWarning(config.dataDir, unavailable, shared) } : {}),
    ...(unsandboxed && !shared
      ? {
          refuse: (spec) => {
            const why = sharedChatReason(db, spec.sessionId);
            return why === null
              ? null
              : `runners are not sandboxed here and ${why}. Install bubblewrap or set ${SHARED_CHATS_FLAG}=true ` +
                  `(an unsandboxed agent can read and change everything this host's user can)`;
          },
        }
      : {}),
  });
}

function unsandboxedWarning(dataDir: string, unavailable: string | undefined, shared: boolean): string {
  return [
    `runners are NOT sandboxed${unavailable ? ` (${unavailable})` : ' (NANOCLAW_SANDBOX=none)'}:`,
    `an agent's shell runs as this host's user and can read this host's environment (the model API key, bot`,
    `tokens), the central DB and every session under ${dataDir}, and write anything that user can.`,
    shared
      ? `${SHARED_CHATS_FLAG}=true: chats other people can write in are served anyway.`
      : `Only the owner's own web chats are served; chats other people can write in need a sandbox or ${SHARED_CHATS_FLAG}=true.`,
  ].join(' ');
}
