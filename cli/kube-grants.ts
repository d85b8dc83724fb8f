/**
 * Kubernetes mode of the grant verbs: UserRole objects written through the API server instead of central-DB rows
 * (which the operator would prune, as they would not come from an object).
 *
 * Invariants: objects are written with server-side apply under the host's field manager (`nanoclaw-host`), so a
 * repeated grant is a no-op and a GitOps tool's fields are never taken over (no force); only objects named by
 * user-role-manifest.ts (deterministic, labelled created-by: cli) are ever deleted.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { CustomObjects } from '../kube/custom-objects.js';
import { statusCode } from '../kube/errors.js';
import { GROUP, VERSION } from '../operator/api/v1alpha1/common.js';
import { UsageError } from './args.js';
import { CREATED_BY_LABEL, type UserRoleManifest } from './user-role-manifest.js';

export const HOST_FIELD_MANAGER = 'nanoclaw-host';
const PLURAL = 'userroles';

export const KUBE_OPTIONS = {
  kubernetes: { type: 'boolean' },
  namespace: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export const KUBE_HELP = `Kubernetes mode (--kubernetes, or NANOCLAW_RUNTIME=kubernetes as in the host container):
  the grant is a UserRole object created or deleted through the API server (KUBECONFIG, else the in-cluster
  service account) with field manager nanoclaw-host, named <role>-<hash of user and agent group> and labelled
  ${CREATED_BY_LABEL}=cli; the operator projects it. No central-DB row is written.
  --namespace NS      the UserRole's namespace (default NANOCLAW_NAMESPACE, else the kubeconfig's, else default)
  --dry-run           print the object (-o yaml or json) instead of writing it`;

export interface KubeMode {
  namespace: string;
  dryRun: boolean;
  /** Loaded on first use, so --dry-run works without a cluster. */
  kubeConfig(): KubeConfig;
}

/** Kubernetes mode when --kubernetes or NANOCLAW_RUNTIME=kubernetes; null otherwise. */
export function kubeModeOf(values: {
  kubernetes?: boolean;
  namespace?: string;
  'dry-run'?: boolean;
}): KubeMode | null {
  const on = values.kubernetes === true || process.env.NANOCLAW_RUNTIME === 'kubernetes';
  if (!on) {
    if (values['dry-run']) throw new UsageError('--dry-run: only in Kubernetes mode (add --kubernetes)');
    if (values.namespace !== undefined)
      throw new UsageError('--namespace: only in Kubernetes mode (add --kubernetes)');
    return null;
  }
  let kc: KubeConfig | undefined;
  const load = (): KubeConfig => {
    if (!kc) {
      kc = new KubeConfig();
      kc.loadFromDefault();
    }
    return kc;
  };
  let namespace = values.namespace ?? process.env.NANOCLAW_NAMESPACE;
  if (namespace === undefined) {
    try {
      namespace = load().getContextObject(load().getCurrentContext())?.namespace;
    } catch {
      // no kubeconfig: a dry run still works in "default"
    }
  }
  return { namespace: namespace || 'default', dryRun: values['dry-run'] === true, kubeConfig: load };
}

function objects(mode: KubeMode): CustomObjects {
  return new CustomObjects(mode.kubeConfig().makeApiClient(CustomObjectsApi), {
    group: GROUP,
    version: VERSION,
    plurals: { UserRole: PLURAL },
    fieldManager: HOST_FIELD_MANAGER,
  });
}

/** Refused input (400/422) is a usage error (exit 2); anything else stays a failure (exit 1). */
async function asCli<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const code = statusCode((err as Error).cause);
    throw code === 422 || code === 400 ? new UsageError((err as Error).message) : err;
  }
}

/** Creates or updates the object (server-side apply, field manager nanoclaw-host). */
export async function applyUserRole(mode: KubeMode, m: UserRoleManifest): Promise<void> {
  await asCli(objects(mode).apply(m));
}

/** Other UserRoles in the namespace declaring the same grant (e.g. from a GitOps repository). */
async function sameGrant(mode: KubeMode, m: UserRoleManifest): Promise<string[]> {
  const items = await asCli(objects(mode).list('UserRole', m.metadata.namespace));
  return items
    .filter((o) => {
      const spec = o.spec as { user?: string; role?: string; agentGroup?: string };
      return (
        o.metadata.name !== m.metadata.name &&
        spec.user === m.spec.user &&
        spec.role === m.spec.role &&
        (spec.agentGroup ?? null) === (m.spec.agentGroup ?? null)
      );
    })
    .map((o) => o.metadata.name);
}

/** Deletes the CLI's object for the grant. Resolves to the names of other objects holding it when there is none. */
export async function deleteUserRole(
  mode: KubeMode,
  m: UserRoleManifest,
): Promise<{ deleted: true } | { deleted: false; heldBy: string[] }> {
  if (await asCli(objects(mode).delete('UserRole', m.metadata.namespace, m.metadata.name)))
    return { deleted: true };
  return { deleted: false, heldBy: await sameGrant(mode, m) };
}
