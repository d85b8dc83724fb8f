/**
 * UserRole manifests the CLI writes (Kubernetes mode) and exports (runtime grants for a GitOps repository). Pure.
 *
 * Invariants:
 * - The object name is deterministic and a valid DNS-1123 name: `<role>-<12 hex of sha256(user, scope)>`, so the
 *   same grant always names the same object — a second grant is an idempotent apply, a revoke knows what to
 *   delete, and an exported manifest and a CLI-created object for one grant are the same object.
 * - Every object carries the label `nanoclaw.dev/created-by: cli`.
 * - A manifest is checked with the same schema as the CRD (operator/api/v1alpha1) before it is used.
 */
import { createHash } from 'node:crypto';
import { API_VERSION } from '../operator/api/v1alpha1/common.js';
import { parseManifest } from '../operator/api/v1alpha1/parse.js';
import type { CentralSchema, UserRole } from '../host/db/schema.js';
import { UsageError } from './args.js';

export const CREATED_BY_LABEL = 'nanoclaw.dev/created-by';

export type GrantRole = 'owner' | 'admin' | 'member';

export interface Grant {
  user: string;
  role: GrantRole;
  /** metadata.name of the AgentGroup (in the manifest's namespace); none = global. */
  agentGroup?: string;
  displayName?: string;
}

export interface UserRoleManifest {
  apiVersion: typeof API_VERSION;
  kind: 'UserRole';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { user: string; role: GrantRole; agentGroup?: string; displayName?: string };
}

function userRoleName(g: Pick<Grant, 'user' | 'role' | 'agentGroup'>): string {
  const hash = createHash('sha256')
    .update(`${g.user}\u0000${g.agentGroup ?? ''}`)
    .digest('hex')
    .slice(0, 12);
  return `${g.role}-${hash}`;
}

/** Maps a manifest field to the CLI argument that set it, for error messages. */
const ARG_OF: Record<string, string> = {
  'spec.user': '<user>',
  'spec.role': '<role>',
  'spec.agentGroup': '--agent-group',
  'spec.displayName': '--display-name',
};

/** The UserRole for one grant; a grant the CRD would refuse (a scoped owner, a member without agent group) is a usage error. */
export function userRoleManifest(verb: string, namespace: string, g: Grant): UserRoleManifest {
  const manifest: UserRoleManifest = {
    apiVersion: API_VERSION,
    kind: 'UserRole',
    metadata: { name: userRoleName(g), namespace, labels: { [CREATED_BY_LABEL]: 'cli' } },
    spec: {
      user: g.user,
      role: g.role,
      ...(g.agentGroup !== undefined ? { agentGroup: g.agentGroup } : {}),
      ...(g.displayName !== undefined ? { displayName: g.displayName } : {}),
    },
  };
  const parsed = parseManifest(manifest);
  if (!parsed.ok) {
    const e = parsed.errors[0]!;
    throw new UsageError(`${verb}: ${ARG_OF[e.field] ?? e.field}: ${e.message}`);
  }
  return manifest;
}

/**
 * An agent group id as (namespace, AgentGroup name): projected ids are `<namespace>/<name>` when the operator
 * watches several namespaces, the bare name when it watches one (`fallbackNamespace`).
 */
export function agentGroupRef(id: string, fallbackNamespace: string): { namespace: string; name: string } {
  const slash = id.indexOf('/');
  return slash < 0
    ? { namespace: fallbackNamespace, name: id }
    : { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

/**
 * The runtime grants (paired owners, approved members, CLI grants made without Kubernetes) as UserRoles. Rows
 * projected from a UserRole (source 'crd') are skipped: that grant is already declared. Global grants go to
 * `namespace` (the install's own); scoped ones to their agent group's namespace.
 */
export function exportManifests(
  namespace: string,
  grants: UserRole[],
  members: CentralSchema['agent_group_members'][],
): UserRoleManifest[] {
  const out: UserRoleManifest[] = [];
  for (const g of grants) {
    if (g.source !== 'runtime') continue;
    if (g.agent_group_id === null)
      out.push(userRoleManifest('roles export', namespace, { user: g.user_id, role: g.role }));
    else {
      const ref = agentGroupRef(g.agent_group_id, namespace);
      out.push(
        userRoleManifest('roles export', ref.namespace, {
          user: g.user_id,
          role: g.role,
          agentGroup: ref.name,
        }),
      );
    }
  }
  for (const m of members) {
    if (m.source !== 'runtime') continue;
    const ref = agentGroupRef(m.agent_group_id, namespace);
    out.push(
      userRoleManifest('roles export', ref.namespace, {
        user: m.user_id,
        role: 'member',
        agentGroup: ref.name,
      }),
    );
  }
  return out;
}
