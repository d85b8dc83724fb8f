/**
 * The objects an approved configuration request writes (host/approvals/agent-change-plan.ts decides what): for
 * create_agent the child AgentGroup and the parent's new peer, for add_mcp_server / add_egress_host the parent's
 * new MCP server or egress entry.
 * Pure; the same objects for the embedded config folder and for the API server.
 *
 * Invariants:
 * - Every object is checked with the CRD's own schema before anything is written (`checkChange`), so a request the
 *   API server would refuse is refused before its card is sent, naming the field.
 * - Changes to an existing AgentGroup are partial objects holding only the new list entry: peers, mcpServers and
 *   egress are list-maps (keyed by agentGroup / name / host), so a server-side apply adds the entry under the host's field
 *   manager and leaves every entry another manager (a GitOps tool) owns alone.
 */
import type { AgentChange } from '../../host/approvals/agent-change-plan.js';
import { addedEntry, PARENT_PEER_NAME } from '../../host/approvals/agent-change-plan.js';
import { API_VERSION } from '../../operator/api/v1alpha1/common.js';
import { parseManifest } from '../../operator/api/v1alpha1/parse.js';
import { CREATED_BY_LABEL } from '../user-role-manifest.js';

export interface AgentGroupObject {
  apiVersion: typeof API_VERSION;
  kind: 'AgentGroup';
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

const object = (
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
  labels?: Record<string, string>,
): AgentGroupObject => ({
  apiVersion: API_VERSION,
  kind: 'AgentGroup',
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  spec,
});

/** The child AgentGroup of a create_agent change. */
export function childObject(
  change: Extract<AgentChange, { action: 'create_agent' }>,
  namespace: string,
): AgentGroupObject {
  const { child, parent } = change;
  return object(
    child.name,
    namespace,
    {
      displayName: child.name,
      provider: child.provider,
      ...(child.instructions ? { instructions: child.instructions } : {}),
      peers: [{ agentGroup: parent.name, name: PARENT_PEER_NAME }],
    },
    { [CREATED_BY_LABEL]: 'create-agent' },
  );
}

/** The entry a change adds to the existing (parent) AgentGroup, as a partial object. */
export function parentEntry(change: AgentChange, namespace: string): AgentGroupObject {
  const added = addedEntry(change);
  return object(added.owner.name, namespace, { [added.field]: [added.entry] });
}

/** Why the CRD would refuse what the change writes (`spec.mcpServers[0].stdio.env[0].name: …`), or null. */
export function checkChange(change: AgentChange): string | null {
  const objects =
    change.action === 'create_agent'
      ? [childObject(change, 'default'), parentEntry(change, 'default')]
      : [parentEntry(change, 'default')];
  for (const o of objects) {
    const parsed = parseManifest(o);
    if (!parsed.ok) {
      const e = parsed.errors[0]!;
      return `${e.field ? `${e.field}: ` : ''}${e.message}`;
    }
  }
  return null;
}
