/**
 * The operator's calls to the API server, each with a deadline and a counter, so a hung connection never wedges a
 * worker and tests/benchmarks can count writes from the client side. Status is written with server-side apply
 * (field manager `nanoclaw-operator`, force): the operator owns status fields only, never spec or metadata, so a
 * GitOps tool applying the same objects is never fought over.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { REQUEST_TIMEOUT_MS, statusCode, withDeadline } from '../../kube/errors.js';
import type { ObjectList } from '../../kube/informer.js';
import { GROUP, VERSION } from '../api/v1alpha1/common.js';
import { kindDef, type KindName } from '../api/v1alpha1/kinds.js';

const FIELD_MANAGER = 'nanoclaw-operator';

export interface RequestCounters {
  lists: number;
  statusPatches: number;
  events: number;
  leaseReads: number;
  leaseWrites: number;
  /** Failed calls (transient ones included; a missing Lease and a lost write race are not failures). */
  failures: number;
  /** Calls refused by authentication or RBAC (401/403): a missing permission. */
  denied: number;
}

export function collectionPath(kind: KindName, namespace: string): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${kindDef(kind).plural}`;
}

export class KubeApis {
  readonly counters: RequestCounters = {
    lists: 0,
    statusPatches: 0,
    events: 0,
    leaseReads: 0,
    leaseWrites: 0,
    failures: 0,
    denied: 0,
  };
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;

  constructor(readonly kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
  }

  private async call<T>(what: string, p: () => Promise<T>, ms = REQUEST_TIMEOUT_MS): Promise<T> {
    try {
      return await withDeadline(what, p(), ms);
    } catch (err) {
      // A missing Lease or a lost write race are answers, not failures.
      const code = statusCode(err);
      if (code !== 404 && code !== 409) this.counters.failures++;
      if (code === 401 || code === 403) this.counters.denied++;
      throw err;
    }
  }

  listObjects<T>(kind: KindName, namespace: string): Promise<ObjectList<T>> {
    this.counters.lists++;
    return this.call(`list ${kind} in ${namespace}`, () =>
      this.custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: kindDef(kind).plural,
      }),
    ) as Promise<ObjectList<T>>;
  }

  listConfigMaps(
    namespace: string,
  ): Promise<ObjectList<{ metadata?: { name?: string }; data?: Record<string, string> }>> {
    this.counters.lists++;
    return this.call(`list ConfigMaps in ${namespace}`, () =>
      this.core.listNamespacedConfigMap({ namespace }),
    );
  }

  /** Server-side apply of `status` (only the fields given are owned; the rest of the object is untouched). */
  async applyStatus(
    kind: KindName,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<void> {
    this.counters.statusPatches++;
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace }, status };
    await this.call(`apply status of ${kind} ${namespace}/${name}`, () =>
      this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: kindDef(kind).plural,
          name,
          body,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
    );
  }

  async createEvent(namespace: string, event: CoreV1Event): Promise<void> {
    this.counters.events++;
    await this.call('create Event', () => this.core.createNamespacedEvent({ namespace, body: event }));
  }

  readLease(namespace: string, name: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<V1Lease> {
    this.counters.leaseReads++;
    return this.call(
      'read Lease',
      () => this.coordination.readNamespacedLease({ namespace, name }),
      timeoutMs,
    );
  }

  createLease(namespace: string, lease: V1Lease, timeoutMs = REQUEST_TIMEOUT_MS): Promise<V1Lease> {
    this.counters.leaseWrites++;
    const create = () => this.coordination.createNamespacedLease({ namespace, body: lease });
    return this.call('create Lease', create, timeoutMs);
  }

  replaceLease(
    namespace: string,
    name: string,
    lease: V1Lease,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<V1Lease> {
    this.counters.leaseWrites++;
    const replace = () => this.coordination.replaceNamespacedLease({ namespace, name, body: lease });
    return this.call('replace Lease', replace, timeoutMs);
  }
}
