/**
 * Reconcile one key in two steps: `reconcile` projects the cached object into the central DB (or removes the rows
 * of a deleted one) — synchronous, one transaction — and `syncStatus` makes the object's status say so. They run
 * from separate queues, so the DB converges at the speed of SQLite, not of status round trips.
 *
 * Invariants:
 * - The DB is written only through the projection (one transaction per object; nothing when nothing changed).
 * - Status is written (server-side apply) only when it differs from what the object shows — or from what this
 *   operator just wrote and the cache has not caught up with — so a no-change resync sends no request. It is
 *   written only for the generation the outcome was computed from.
 * - Events only on Ready transitions. A failed status write throws, and its queue retries the key with backoff.
 * - When an object's rows appear, change or vanish, the objects that depend on it are queued again, so
 *   cross-object problems (a wiring to a missing agent group, a second chat, a duplicate grant) heal by themselves.
 */
import type { Logger } from 'pino';
import type { CentralDb } from '../../host/db/central-db.js';
import { KIND_NAMES, kindDef, type KindName, type NanoclawObject } from '../api/v1alpha1/kinds.js';
import { issuesToErrors } from '../api/v1alpha1/parse.js';
import {
  projectObject,
  removeProjection,
  type KindAndSpec,
  type ProjectOptions,
} from '../projection/project.js';
import { logArchived } from '../projection/archive.js';
import { projectedFolder, type IdScope } from '../projection/ids.js';
import { outcomeOf, type Outcome } from '../projection/types.js';
import type { KubeApis } from './api.js';
import { objectKey, parseKey, type ObjectCaches } from './caches.js';
import type { EventRecorder } from './events.js';
import { desiredStatus, readyCondition, sameStatus, statusKey, type ObjectStatus } from './status.js';

export interface ReconcilerStats {
  reconciles: number;
  /** Time spent projecting, summed over every reconcile. */
  reconcileMs: number;
  dbWrites: number;
  statusWrites: number;
  removed: number;
}

export interface ReconcilerDeps {
  db: CentralDb;
  dataDir: string;
  multiNamespace: boolean;
  /** Namespaces whose UserRoles may grant a global role. */
  globalGrantNamespaces: ReadonlySet<string>;
  caches: ObjectCaches;
  apis: KubeApis;
  events: EventRecorder;
  log: Logger;
  /** Queue a key for projection. */
  enqueue: (key: string) => void;
  /** Queue a key for a status write. */
  enqueueStatus: (key: string) => void;
}

interface Projected {
  uid: string;
  generation: number;
  outcome: Outcome;
}

export class Reconciler {
  readonly stats: ReconcilerStats = {
    reconciles: 0,
    reconcileMs: 0,
    dbWrites: 0,
    statusWrites: 0,
    removed: 0,
  };
  /** Deleted objects not yet reconciled: key → the object as last seen. */
  private readonly tombstones = new Map<string, NanoclawObject>();
  /** Status this operator wrote, by uid, with the resourceVersion it was computed from. */
  private readonly written = new Map<string, { rv: string | undefined; key: string }>();
  /** Keys whose last projection was not Ready: the only objects a neighbour's change can improve. */
  private readonly notReady = new Set<string>();
  /** The last projection outcome of each key, waiting to be shown in status. */
  private readonly outcomes = new Map<string, Projected>();

  constructor(private readonly deps: ReconcilerDeps) {}

  noteDeleted(kind: KindName, obj: NanoclawObject): void {
    this.tombstones.set(objectKey(kind, obj.metadata.namespace, obj.metadata.name), obj);
    this.written.delete(obj.metadata.uid);
  }

  tombstoneKeys(): string[] {
    return [...this.tombstones.keys()];
  }

  private options(): ProjectOptions {
    const live = this.deps.caches.liveUids();
    return {
      dataDir: this.deps.dataDir,
      multiNamespace: this.deps.multiNamespace,
      globalGrantNamespaces: this.deps.globalGrantNamespaces,
      isLive: (uid) => live.has(uid),
      lookup: (uid) => live.get(uid),
      configMaps: (ns, name) => this.deps.caches.configMap(ns, name),
    };
  }

  /** Objects whose last projection was not Ready, by kind. */
  notReadyByKind(): Record<KindName, number> {
    const counts = Object.fromEntries(KIND_NAMES.map((k) => [k, 0])) as Record<KindName, number>;
    for (const key of this.notReady) counts[parseKey(key).kind]++;
    return counts;
  }

  /** Projects (or removes) one object's rows. Synchronous: nothing else runs in between. */
  reconcile(key: string): void {
    const started = performance.now();
    try {
      this.reconcileKey(key);
    } finally {
      this.stats.reconciles++;
      this.stats.reconcileMs += performance.now() - started;
    }
  }

  private reconcileKey(key: string): void {
    const { kind, namespace, name } = parseKey(key);
    const obj = this.deps.caches.get(kind, namespace, name);
    const tomb = this.tombstones.get(key);
    if (tomb && (!obj || obj.metadata.uid !== tomb.metadata.uid || obj.metadata.deletionTimestamp)) {
      // Project the new incarnation first (it may take over the old rows), then drop what is left of the old one.
      if (obj && !obj.metadata.deletionTimestamp) this.project(kind, obj);
      this.remove(kind, tomb);
    }
    this.tombstones.delete(key);
    if (!obj || obj.metadata.deletionTimestamp) {
      if (obj) this.remove(kind, obj);
      this.outcomes.delete(key);
      this.notReady.delete(key);
      return;
    }
    const outcome = this.project(kind, obj);
    if (outcome.ready) this.notReady.delete(key);
    else this.notReady.add(key);
    this.outcomes.set(key, { uid: obj.metadata.uid, generation: obj.metadata.generation, outcome });
    this.deps.enqueueStatus(key);
  }

  /** Brings the object's status in line with its last projection outcome. */
  async syncStatus(key: string): Promise<void> {
    const { kind, namespace, name } = parseKey(key);
    const obj = this.deps.caches.get(kind, namespace, name);
    const projected = this.outcomes.get(key);
    if (!obj || !projected || obj.metadata.deletionTimestamp) return;
    if (projected.uid !== obj.metadata.uid || projected.generation !== obj.metadata.generation) {
      this.deps.enqueue(key); // the cache moved on: project the new generation first
      return;
    }
    await this.writeStatus(kind, obj, projected.outcome);
    // Shown (or written and awaiting the watch); the next reconcile of this key brings a fresh outcome.
    if (this.outcomes.get(key) === projected) this.outcomes.delete(key);
  }

  private project(kind: KindName, obj: NanoclawObject): Outcome {
    const { namespace, name, uid, generation } = obj.metadata;
    const spec = kindDef(kind).spec.safeParse(obj.spec ?? {});
    if (!spec.success) {
      // The API server validated it against the installed CRD; a mismatch means the CRDs are out of date.
      const e = issuesToErrors(spec.error.issues)[0]!;
      return outcomeOf(
        [
          {
            reason: 'InvalidSpec',
            field: `spec.${e.field}`,
            message: `spec.${e.field}: ${e.message} (are the CRDs up to date?)`,
          },
        ],
        0,
        {},
        '',
      );
    }
    const ref = { kind, namespace, name, uid, generation };
    const outcome = projectObject(
      this.deps.db,
      ref,
      { kind, spec: spec.data } as KindAndSpec,
      this.options(),
    );
    this.stats.dbWrites += outcome.writes;
    if (outcome.writes > 0) {
      this.deps.log.debug(
        { kind, name: `${namespace}/${name}`, generation, writes: outcome.writes, reason: outcome.reason },
        'projected',
      );
      this.requeueDependents(kind, obj, false);
    }
    return outcome;
  }

  private remove(kind: KindName, obj: NanoclawObject): void {
    const { rows, archived } = removeProjection(this.deps.db, this.deps.dataDir, obj.metadata.uid);
    this.written.delete(obj.metadata.uid);
    logArchived(this.deps.log, archived);
    if (rows > 0) {
      this.stats.removed++;
      this.stats.dbWrites += rows;
      this.deps.log.info(
        { kind, name: `${obj.metadata.namespace}/${obj.metadata.name}`, rows },
        'removed projection',
      );
      this.requeueDependents(kind, obj, true);
    }
  }

  /**
   * Objects whose outcome may change because `obj`'s rows changed. Only objects that are not Ready can get better
   * (a chat, grant or agent group waiting for this agent group; the loser of a folder, chat or grant conflict), so
   * those are the candidates — except when an agent group goes: then every chat, grant and peer naming it must
   * show that.
   */
  private requeueDependents(kind: KindName, obj: NanoclawObject, removed: boolean): void {
    const { caches, enqueue } = this.deps;
    const ns = obj.metadata.namespace;
    const self = objectKey(kind, ns, obj.metadata.name);
    const candidates: NanoclawObject[] = [];
    for (const key of this.notReady) {
      const { kind: k, namespace, name } = parseKey(key);
      const o = caches.get(k, namespace, name);
      if (o) candidates.push(o);
    }
    if (removed && obj.kind === 'AgentGroup') {
      candidates.push(
        ...caches.list('MessagingGroup', ns),
        ...caches.list('UserRole', ns),
        ...caches.list('AgentGroup', ns),
      );
    }
    for (const o of candidates) {
      if (
        objectKey(o.kind, o.metadata.namespace, o.metadata.name) !== self &&
        dependsOn(o, obj, removed, this.deps)
      ) {
        enqueue(objectKey(o.kind, o.metadata.namespace, o.metadata.name));
      }
    }
  }

  private async writeStatus(kind: KindName, obj: NanoclawObject, outcome: Outcome): Promise<void> {
    const { uid, generation, namespace, name, resourceVersion } = obj.metadata;
    const current = obj.status as ObjectStatus | undefined;
    const desired = desiredStatus(generation, outcome, current, new Date());
    const mine = this.written.get(uid);
    if (mine && mine.rv !== resourceVersion) this.written.delete(uid); // the cache has caught up with our write
    if (sameStatus(current, desired)) return;
    const key = statusKey(desired);
    if (mine && mine.rv === resourceVersion && mine.key === key) return; // written; the cache has not caught up yet
    await this.deps.apis.applyStatus(kind, namespace, name, desired);
    this.written.set(uid, { rv: resourceVersion, key });
    this.stats.statusWrites++;
    const before = readyCondition(current);
    const after = readyCondition(desired)!;
    const meta = obj.metadata;
    if (after.status === 'False' && (before?.status !== 'False' || before.reason !== after.reason)) {
      this.deps.log.warn({ kind, name: `${namespace}/${name}`, reason: after.reason }, after.message);
      await this.deps.events.record(kind, meta, 'Warning', after.reason, after.message);
    } else if (after.status === 'True' && before?.status === 'False') {
      await this.deps.events.record(kind, meta, 'Normal', after.reason, after.message);
    }
  }
}

/** Whether `o`'s projection may change because `changed`'s rows appeared, changed or (`removed`) went. */
function dependsOn(o: NanoclawObject, changed: NanoclawObject, removed: boolean, scope: IdScope): boolean {
  const sameNs = o.metadata.namespace === changed.metadata.namespace;
  switch (changed.kind) {
    case 'AgentGroup': {
      const name = changed.metadata.name;
      if (o.kind === 'MessagingGroup')
        return sameNs && (o.spec.agents ?? []).some((a) => a.agentGroup === name);
      if (o.kind === 'UserRole') return sameNs && o.spec.agentGroup === name;
      if (sameNs && (o.spec.peers ?? []).some((p) => p.agentGroup === name)) return true;
      const folder = (ag: typeof o & { kind: 'AgentGroup' }) =>
        projectedFolder(ag.metadata.namespace, ag.spec.folder ?? ag.metadata.name, scope);
      return removed && folder(o) === folder(changed);
    }
    case 'MessagingGroup':
      return (
        removed &&
        o.kind === 'MessagingGroup' &&
        o.spec.channel === changed.spec.channel &&
        o.spec.platformId === changed.spec.platformId
      );
    case 'UserRole':
      return o.kind === 'UserRole' && o.spec.user === changed.spec.user;
  }
}
