/** Chooses and builds the agent runtime the configuration asks for. */
import { KubeConfig, type V1OwnerReference } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { HostConfig } from '../config.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import { KubernetesRuntime } from './kubernetes/kubernetes-runtime.js';
import { LocalProcessRuntime } from './local-process.js';
import { defaultRunnerCommand } from './runner-command.js';
import type { AgentRuntime } from './runtime.js';
import { PooledKubeConfig } from '../../kube/kubeconfig.js';

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

export function createRuntime(
  config: HostConfig,
  db: CentralDb,
  log: Logger,
  runnerCommand?: string[],
): AgentRuntime {
  if (config.runtime === 'kubernetes') {
    const base = new KubeConfig();
    base.loadFromDefault();
    const kc = PooledKubeConfig.from(base);
    const k = config.kubernetes;
    return new KubernetesRuntime({
      kc,
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
  return new LocalProcessRuntime({
    dataDir: config.dataDir,
    command: runnerCommand ?? defaultRunnerCommand(),
    log,
    ...(config.timezone ? { timezone: config.timezone } : {}),
  });
}
