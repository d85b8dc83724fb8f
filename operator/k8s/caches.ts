/**
 * The operator's view of the cluster: one resilient informer per kind and watched namespace, plus ConfigMaps
 * (for instructionsFrom and skills). Work-queue keys are `<Kind>/<namespace>/<name>`.
 *
 * Invariants:
 * - Nothing is listed or watched before `start()`, so subscribers added between construction and `start()` see
 *   every event ('object' for the three kinds, 'configMap' for ConfigMaps).
 * - A subscriber sees the object as cached, already slimmed; `liveUids()` already includes (or no longer includes)
 *   it.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KIND_NAMES, type KindName, type NanoclawObject } from '../api/v1alpha1/kinds.js';
import type { ObjectName } from '../projection/types.js';
import { collectionPath, type KubeApis } from './api.js';
import { ResilientInformer, type InformerEvent } from '../../kube/informer.js';

export interface ConfigMapObject extends KubernetesObject {
  data?: Record<string, string>;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what the operator never reads from a cached object (managedFields, kubectl's last-applied copy of the
 * whole manifest): most of an object's size, times thousands of objects. Called on the object the cache holds.
 */
function slim(obj: KubernetesObject): void {
  const meta = obj.metadata as { managedFields?: unknown; annotations?: Record<string, string> } | undefined;
  if (!meta) return;
  delete meta.managedFields;
  if (meta.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
}

export function objectKey(kind: KindName, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseKey(key: string): { kind: KindName; namespace: string; name: string } {
  const [kind, namespace, name] = key.split('/') as [KindName, string, string];
  return { kind, namespace, name };
}

export interface CachesOptions {
  kc: KubeConfig;
  apis: KubeApis;
  namespaces: string[];
  log: Logger;
}

export interface CacheEvents {
  object: (kind: KindName, event: InformerEvent, obj: NanoclawObject) => void;
  configMap: (event: InformerEvent, obj: ConfigMapObject) => void;
}

export class ObjectCaches {
  private readonly objects = new Map<string, ResilientInformer<NanoclawObject>>(); // kind/ns →
  private readonly configMaps = new Map<string, ResilientInformer<ConfigMapObject>>(); // ns →
  /** uid → `<Kind> <namespace>/<name>` of every cached object, kept up to date from the events. */
  private readonly uids = new Map<string, ObjectName>();
  private readonly subscribers: { [E in keyof CacheEvents]: CacheEvents[E][] } = {
    object: [],
    configMap: [],
  };

  constructor(private readonly opts: CachesOptions) {
    for (const namespace of opts.namespaces) {
      for (const kind of KIND_NAMES) {
        this.objects.set(
          `${kind}/${namespace}`,
          new ResilientInformer<NanoclawObject>({
            name: `${kind}/${namespace}`,
            kc: opts.kc,
            path: collectionPath(kind, namespace),
            list: () => opts.apis.listObjects<NanoclawObject>(kind, namespace),
            onEvent: (event, obj) => this.observe(kind, event, obj),
            log: opts.log,
          }),
        );
      }
      this.configMaps.set(
        namespace,
        new ResilientInformer<ConfigMapObject>({
          name: `ConfigMap/${namespace}`,
          kc: opts.kc,
          path: `/api/v1/namespaces/${namespace}/configmaps`,
          list: () => opts.apis.listConfigMaps(namespace),
          onEvent: (event, obj) => {
            slim(obj);
            for (const fn of this.subscribers.configMap) fn(event, obj);
          },
          log: opts.log,
        }),
      );
    }
  }

  on<E extends keyof CacheEvents>(event: E, fn: CacheEvents[E]): void {
    this.subscribers[event].push(fn);
  }

  private all_(): Pick<
    ResilientInformer<KubernetesObject>,
    'start' | 'stop' | 'hasSynced' | 'waitForSync' | 'relist'
  >[] {
    return [...this.objects.values(), ...this.configMaps.values()];
  }

  start(): void {
    for (const i of this.all_()) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.all_().map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return this.all_().every((i) => i.hasSynced());
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.all_().map((i) => i.waitForSync()));
  }

  /** The watchdog: relists every collection (one at a time, to spare the API server). */
  async relistAll(): Promise<number> {
    let ok = 0;
    for (const i of this.all_()) if (await i.relist()) ok++;
    return ok;
  }

  get(kind: KindName, namespace: string, name: string): NanoclawObject | undefined {
    return this.objects.get(`${kind}/${namespace}`)?.get(name, namespace);
  }

  list(kind: KindName, namespace?: string): NanoclawObject[] {
    const out: NanoclawObject[] = [];
    for (const ns of namespace ? [namespace] : this.opts.namespaces) {
      out.push(...(this.objects.get(`${kind}/${ns}`)?.list() ?? []));
    }
    return out;
  }

  /** uid → kind, namespace and name of every cached object. */
  liveUids(): ReadonlyMap<string, ObjectName> {
    return this.uids;
  }

  private observe(kind: KindName, event: InformerEvent, obj: NanoclawObject): void {
    slim(obj);
    const { uid, namespace, name } = obj.metadata;
    if (event === 'delete') this.uids.delete(uid);
    else this.uids.set(uid, { kind, namespace, name });
    for (const fn of this.subscribers.object) fn(kind, event, obj);
  }

  configMap(namespace: string, name: string): Record<string, string> | undefined {
    const cm = this.configMaps.get(namespace)?.get(name, namespace);
    return cm ? (cm.data ?? {}) : undefined;
  }
}
