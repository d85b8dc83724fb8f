/**
 * Kubernetes mode: an approved configuration request becomes AgentGroup objects applied through the API server
 * with the host's field manager; the operator projects them like any other object.
 *
 * Invariants:
 * - The child of create_agent goes into its parent's namespace (the parent's id names it in multi-namespace mode,
 *   else the host's namespace), since peers reference agent groups of their own namespace.
 * - Server-side apply, never forced (kube/custom-objects.ts): writing the same change again changes nothing, and
 *   a field a GitOps tool owns is a conflict reported to the approver and the agent, not a takeover.
 * - Each entry added to an existing AgentGroup is applied under a field manager of its own
 *   (`nanoclaw-host/peers/<name>`, `nanoclaw-host/mcp-servers/<name>`, `nanoclaw-host/egress/<host>`): an apply declares everything its manager
 *   owns, so one shared manager applying the next entry would drop the previous one. A GitOps tool re-applying its
 *   own manifest leaves these entries alone (it does not own them).
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { addedEntry, type AddedEntry } from '../../host/approvals/agent-change-plan.js';
import type { AgentConfigWriter } from '../../host/approvals/agent-changes.js';
import { CustomObjects } from '../../kube/custom-objects.js';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.js';
import { HOST_FIELD_MANAGER } from '../kube-grants.js';
import { checkChange, childObject, parentEntry } from './agent-objects.js';

/** Field managers must be short: `peers`, `mcp-servers`, `egress` name the list. */
const MANAGER_PART: Record<AddedEntry['field'], string> = {
  peers: 'peers',
  mcpServers: 'mcp-servers',
  egress: 'egress',
};

export function kubernetesAgentWriter(kc: KubeConfig, hostNamespace: string): AgentConfigWriter {
  const api = kc.makeApiClient(CustomObjectsApi);
  const as = (fieldManager: string) =>
    new CustomObjects(api, {
      group: GROUP,
      version: VERSION,
      plurals: { AgentGroup: 'agentgroups' },
      fieldManager,
    });
  return {
    check: checkChange,
    write: async (change) => {
      const added = addedEntry(change);
      const namespace = added.owner.namespace ?? hostNamespace;
      const written: string[] = [];
      if (change.action === 'create_agent') {
        await as(HOST_FIELD_MANAGER).apply(childObject(change, namespace));
        written.push(`AgentGroup ${namespace}/${change.child.name}`);
      }
      const manager = `${HOST_FIELD_MANAGER}/${MANAGER_PART[added.field]}/${added.keyValue}`;
      await as(manager).apply(parentEntry(change, namespace));
      written.push(`AgentGroup ${namespace}/${added.owner.name} (spec.${added.field})`);
      return written.join(' and ');
    },
  };
}
