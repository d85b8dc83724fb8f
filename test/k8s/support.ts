/** Helpers shared by the Kubernetes-tier tests. */
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

const GROUP = 'nanoclaw.dev';
const VERSION = 'v1alpha1';

/** The objects in examples/, as (kind, name). */
export const EXAMPLE_OBJECTS = [
  ['AgentGroup', 'assistant'],
  ['MessagingGroup', 'web-main'],
  ['UserRole', 'local-owner'],
  ['UserRole', 'assistant-admin'],
  ['UserRole', 'assistant-member'],
] as const;

const PLURALS: Record<string, string> = {
  AgentGroup: 'agentgroups',
  MessagingGroup: 'messaginggroups',
  UserRole: 'userroles',
};

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface ApiError {
  code: number;
  message: string;
  causes: StatusCause[];
}

/** The Status an API call failed with (code, message, details.causes). */
export function apiError(err: unknown): ApiError {
  if (!(err instanceof ApiException)) throw err;
  const raw: unknown = err.body;
  const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
    message?: string;
    details?: { causes?: StatusCause[] };
  };
  const message = body.message ?? '';
  const causes = [...(body.details?.causes ?? [])];
  // Strict field validation reports unknown fields only in the message ("strict decoding error: unknown field
  // \"spec.x\""), without causes; name them as causes so every refusal is checked the same way.
  for (const m of message.matchAll(/unknown field "([^"]+)"/g)) {
    causes.push({ reason: 'FieldValueInvalid', message: m[0], field: m[1] });
  }
  return { code: err.code, message, causes };
}

/** A custom object as the API server returns it. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    [k: string]: unknown;
  };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: {
      type: string;
      status: string;
      reason: string;
      message: string;
      observedGeneration?: number;
      lastTransitionTime: string;
    }[];
    [k: string]: unknown;
  };
}

export function objects(kc: KubeConfig) {
  const api = kc.makeApiClient(CustomObjectsApi);
  const plural = (kind: string) => {
    const p = PLURALS[kind];
    if (!p) throw new Error(`unknown kind ${kind}`);
    return p;
  };
  return {
    api,
    create(namespace: string, manifest: Record<string, unknown>) {
      return api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: plural(manifest.kind as string),
        body: manifest,
        fieldValidation: 'Strict',
      }) as Promise<KObject>;
    },
    get(namespace: string, kind: string, name: string) {
      return api.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: plural(kind),
        name,
      }) as Promise<KObject>;
    },
    replace(namespace: string, manifest: KObject) {
      return api.replaceNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: plural(manifest.kind),
        name: manifest.metadata.name,
        body: manifest,
        fieldValidation: 'Strict',
      }) as Promise<KObject>;
    },
    delete(namespace: string, kind: string, name: string) {
      return api.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: plural(kind),
        name,
      });
    },
    list(namespace: string, kind: string) {
      return api
        .listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: plural(kind) })
        .then((l: { items: KObject[] }) => l.items);
    },
  };
}

/** Polls until `check` returns a truthy value (returned), or fails with the last error after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = new Error(`still ${JSON.stringify(v)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error(String(last));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The Ready condition of an object, if any. */
export function ready(obj: KObject | undefined) {
  return obj?.status?.conditions?.find((c) => c.type === 'Ready');
}

export function count(db: { raw: { prepare(sql: string): { get(): unknown } } }, sql: string): number {
  return (db.raw.prepare(sql).get() as { n: number }).n;
}

/** The HTTP status an API call ends with: 200 when it succeeds, the API server's code when it is refused. */
export async function apiStatus(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}
