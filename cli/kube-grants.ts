/**
 * Kubernetes mode of the grant verbs: UserRole objects written through the API server instead of central-DB rows
 * (which the operator would prune, as they would not come from an object).
 *
 * Invariants: objects are written with server-side apply under the host's field manager (`nanoclaw-host`), so a
 * repeated grant is a no-op and a GitOps tool's fields are never taken over (no force); only objects named by
 * user-role-manifest.ts (deterministic, labelled created-by: cli) are ever deleted.
 */
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { REQUEST_TIMEOUT_MS, statusCode, withDeadline } from '../kube/errors.js';
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

function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const raw: unknown = err.body;
    try {
      const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { message?: string };
      if (body?.message) return body.message;
    } catch {
      // not a Status object
    }
  }
  return (err as Error).message.split('\n')[0]!;
}

/** An API error as the CLI reports it: refused input is a usage error (exit 2), anything else a failure (exit 1). */
function failure(what: string, err: unknown): Error {
  const code = statusCode(err);
  const message = `${what}: ${code ? `HTTP ${code}: ` : ''}${apiMessage(err)}`;
  if (code === 422 || code === 400) return new UsageError(message);
  if (code === 403)
    return new Error(`${message} (the account needs get/list/patch/delete on userroles.${GROUP})`);
  return new Error(message);
}

function api(mode: KubeMode): CustomObjectsApi {
  return mode.kubeConfig().makeApiClient(CustomObjectsApi);
}

/** Creates or updates the object (server-side apply, field manager nanoclaw-host). */
export async function applyUserRole(mode: KubeMode, m: UserRoleManifest): Promise<void> {
  const what = `apply UserRole ${m.metadata.namespace}/${m.metadata.name}`;
  try {
    await withDeadline(
      what,
      api(mode).patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: m.metadata.namespace,
          plural: PLURAL,
          name: m.metadata.name,
          body: m,
          fieldManager: HOST_FIELD_MANAGER,
          fieldValidation: 'Strict',
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
      REQUEST_TIMEOUT_MS,
    );
  } catch (err) {
    throw failure(what, err);
  }
}

interface ListedUserRole {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { user: string; role: string; agentGroup?: string };
}

/** Other UserRoles in the namespace declaring the same grant (e.g. from a GitOps repository). */
async function sameGrant(mode: KubeMode, m: UserRoleManifest): Promise<string[]> {
  const what = `list UserRoles in ${m.metadata.namespace}`;
  try {
    const list = (await withDeadline(
      what,
      api(mode).listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: m.metadata.namespace,
        plural: PLURAL,
      }),
    )) as { items: ListedUserRole[] };
    return list.items
      .filter(
        (o) =>
          o.metadata.name !== m.metadata.name &&
          o.spec.user === m.spec.user &&
          o.spec.role === m.spec.role &&
          (o.spec.agentGroup ?? null) === (m.spec.agentGroup ?? null),
      )
      .map((o) => o.metadata.name);
  } catch (err) {
    throw failure(what, err);
  }
}

/** Deletes the CLI's object for the grant. Resolves to the names of other objects holding it when there is none. */
export async function deleteUserRole(
  mode: KubeMode,
  m: UserRoleManifest,
): Promise<{ deleted: true } | { deleted: false; heldBy: string[] }> {
  const what = `delete UserRole ${m.metadata.namespace}/${m.metadata.name}`;
  try {
    await withDeadline(
      what,
      api(mode).deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: m.metadata.namespace,
        plural: PLURAL,
        name: m.metadata.name,
      }),
    );
    return { deleted: true };
  } catch (err) {
    if (statusCode(err) !== 404) throw failure(what, err);
  }
  return { deleted: false, heldBy: await sameGrant(mode, m) };
}
