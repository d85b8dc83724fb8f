/**
 * Kubernetes mode: a registered chat becomes a MessagingGroup object (and an AgentGroup for a new agent) created
 * through the API server with the host's field manager; the operator projects it like any other object, so the
 * chat is then managed with kubectl or GitOps.
 *
 * Invariants:
 * - The MessagingGroup goes into the namespace of the agent group it wires (a wiring names an agent group of its
 *   own namespace): `<namespace>/<name>` ids in multi-namespace mode, else the host's namespace. A new agent
 *   group goes into the host's namespace.
 * - Server-side apply, never forced (kube/custom-objects.ts): applying the same registration again changes
 *   nothing, and a field a GitOps tool owns is a conflict reported to the approver, not a takeover.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { ChatConfigWriter } from '../../host/approvals/channel-registrations.js';
import { CustomObjects } from '../../kube/custom-objects.js';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.js';
import { HOST_FIELD_MANAGER } from '../kube-grants.js';
import { registrationObjects } from './manifests.js';

const PLURALS = { AgentGroup: 'agentgroups', MessagingGroup: 'messaginggroups' };

/** An agent group row id as the operator projects it: `<namespace>/<name>`, or the name in the watched one. */
function objectOf(agentGroupId: string, hostNamespace: string): { namespace: string; name: string } {
  const slash = agentGroupId.indexOf('/');
  return slash < 0
    ? { namespace: hostNamespace, name: agentGroupId }
    : { namespace: agentGroupId.slice(0, slash), name: agentGroupId.slice(slash + 1) };
}

export function kubernetesWriter(kc: KubeConfig, hostNamespace: string): ChatConfigWriter {
  const objects = new CustomObjects(kc.makeApiClient(CustomObjectsApi), {
    group: GROUP,
    version: VERSION,
    plurals: PLURALS,
    fieldManager: HOST_FIELD_MANAGER,
  });
  return {
    write: async (req) => {
      const target =
        'existing' in req.agentGroup
          ? objectOf(req.agentGroup.existing.id, hostNamespace)
          : { namespace: hostNamespace, name: req.agentGroup.create.name };
      const written: string[] = [];
      for (const o of registrationObjects(req, target.namespace, target.name)) {
        await objects.apply(o);
        written.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
      }
      return written.join(', ');
    },
  };
}
