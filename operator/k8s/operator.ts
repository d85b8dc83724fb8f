/**
 * The Kubernetes operator: informers → per-key work queue → reconciler (projection + status), behind a Lease.
 *
 * Invariants:
 * - Only the Lease holder writes (DB rows, status, Events). Followers keep their caches warm and queue keys, so a
 *   take-over starts from a full resync, not a cold list.
 * - Every time it starts leading, and every resync period, the operator relists, prunes rows whose object is gone
 *   (no finalizers needed — a delete while no operator ran is applied here) and reconciles every object.
 *   A resync that finds nothing changed writes nothing: no DB row, no status, no Event.
 * - No pruning before every informer has listed successfully at least once.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CentralDb } from '../../host/db/central-db.js';
import { pruneProjection, KIND_ORDER } from '../projection/project.js';
import { KubeApis, errorText, type RequestCounters } from './api.js';
import { ObjectCaches, objectKey, parseKey } from './caches.js';
import { EventRecorder } from './events.js';
import { LeaderElector } from './leader.js';
import { Reconciler, type ReconcilerStats } from './reconciler.js';
import { WorkQueue } from './work-queue.js';
import { KIND_NAMES } from '../api/v1alpha1/kinds.js';

export interface OperatorOptions {
  db: CentralDb;
  /** NANOCLAW_DATA_DIR: agent folders are created under <dataDir>/groups/. */
  dataDir: string;
  kubeConfig: KubeConfig;
  /** NANOCLAW_WATCH_NAMESPACES. One namespace: agent group ids are names; several: `<namespace>/<name>`. */
  namespaces: string[];
  log: Logger;
  /** Lease name (default `nanoclaw-operator`), in `leaseNamespace` (default: the first watched namespace). */
  leaseName?: string;
  leaseNamespace?: string;
  /** Unique per process (default `<hostname>-<pid>-<random>`). */
  identity?: string;
  /** Default 15 s: a follower takes over at most this long (plus one retry period) after the leader dies. */
  leaseDurationSeconds?: number;
  /** Relist + prune + reconcile everything this often (default 5 min). */
  resyncPeriodMs?: number;
  /** Concurrent reconciles (default 4). */
  workers?: number;
}

export interface OperatorStats extends ReconcilerStats {
  leader: boolean;
  queued: number;
  pruned: number;
  resyncs: number;
  requests: RequestCounters;
}

export interface OperatorHandle {
  /** Stops workers, releases the Lease (if held) and stops watching. */
  stop(): Promise<void>;
  /** Caches synced, and either leading with the first resync done, or a healthy follower. */
  ready(): boolean;
  isLeader(): boolean;
  /** Relist, prune and reconcile everything now; resolves when the queue is drained (leader only). */
  resync(): Promise<void>;
  stats(): OperatorStats;
}

export function runOperator(opts: OperatorOptions): Promise<OperatorHandle> {
  const namespaces = [...new Set(opts.namespaces.map((n) => n.trim()).filter(Boolean))];
  if (namespaces.length === 0) {
    return Promise.reject(new Error('runOperator: at least one namespace to watch is required'));
  }
  const identity = opts.identity ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = opts.log.child({ component: 'operator', identity });
  const apis = new KubeApis(opts.kubeConfig);
  const queue = new WorkQueue({ rank: (key) => KIND_ORDER[parseKey(key).kind] });
  const counters = { pruned: 0, resyncs: 0 };
  let leading = false;
  let firstResyncDone = false;
  let stopping = false;

  // eslint-disable-next-line prefer-const -- the reconciler and the caches refer to each other
  let reconciler: Reconciler;
  const caches = new ObjectCaches({
    kc: opts.kubeConfig,
    apis,
    namespaces,
    log,
    onObject: (kind, event, obj) => {
      if (event === 'delete') reconciler.noteDeleted(kind, obj);
      queue.add(objectKey(kind, obj.metadata.namespace, obj.metadata.name));
    },
    onConfigMap: (_event, cm) => {
      const { name, namespace } = cm.metadata ?? {};
      for (const ag of caches.list('AgentGroup', namespace)) {
        if (ag.kind === 'AgentGroup' && ag.spec.instructionsFrom?.configMapKeyRef.name === name) {
          queue.add(objectKey('AgentGroup', ag.metadata.namespace, ag.metadata.name));
        }
      }
    },
  });
  reconciler = new Reconciler({
    db: opts.db,
    dataDir: opts.dataDir,
    multiNamespace: namespaces.length > 1,
    caches,
    apis,
    events: new EventRecorder(apis, log, identity),
    log,
    enqueue: (key) => queue.add(key),
  });

  // Workers run only while leading; a follower's keys wait (de-duplicated) in the queue.
  let gate: { promise: Promise<void>; open: () => void } = newGate();
  async function worker(): Promise<void> {
    for (;;) {
      await gate.promise;
      const key = await queue.get();
      if (key === undefined) return;
      if (!leading) {
        queue.done(key);
        queue.add(key);
        continue;
      }
      try {
        await reconciler.reconcile(key);
        queue.forget(key);
      } catch (err) {
        const delay = queue.retry(key);
        log.warn({ key, retryInMs: delay, reason: errorText(err) }, 'reconcile failed; will retry');
      } finally {
        queue.done(key);
      }
    }
  }

  let resyncing: Promise<void> | undefined;
  function fullResync(why: string): Promise<void> {
    resyncing ??= (async () => {
      try {
        await caches.waitForSync();
        if (!leading || stopping) return;
        const live = caches.liveUids();
        const gone = pruneProjection(opts.db, (uid) => live.has(uid));
        counters.pruned += gone.length;
        counters.resyncs++;
        if (gone.length) log.info({ pruned: gone.length }, 'pruned rows of objects that no longer exist');
        for (const kind of KIND_NAMES) {
          for (const o of caches.list(kind))
            queue.add(objectKey(kind, o.metadata.namespace, o.metadata.name));
        }
        for (const key of reconciler.tombstoneKeys()) queue.add(key);
        await queue.whenIdle();
        if (!firstResyncDone) log.info({ why, objects: live.size }, 'initial resync done');
        firstResyncDone = true;
      } finally {
        resyncing = undefined;
      }
    })();
    return resyncing;
  }

  const elector = new LeaderElector({
    apis,
    namespace: opts.leaseNamespace ?? namespaces[0]!,
    name: opts.leaseName ?? 'nanoclaw-operator',
    identity,
    log,
    leaseDurationSeconds: opts.leaseDurationSeconds,
    onStartedLeading: () => {
      leading = true;
      gate.open();
      void fullResync('leading').catch((err: unknown) =>
        log.error({ reason: errorText(err) }, 'resync failed'),
      );
    },
    onStoppedLeading: () => {
      leading = false;
      firstResyncDone = false;
      gate = newGate();
    },
  });

  caches.start();
  elector.start();
  const workers = Array.from({ length: opts.workers ?? 4 }, () => worker());
  const period = setInterval(
    () => {
      void (async () => {
        await caches.relistAll();
        if (leading) await fullResync('period');
      })().catch((err: unknown) => log.error({ reason: errorText(err) }, 'periodic resync failed'));
    },
    opts.resyncPeriodMs ?? 5 * 60_000,
  );
  log.info({ namespaces, lease: opts.leaseName ?? 'nanoclaw-operator' }, 'operator started');

  return Promise.resolve({
    async stop() {
      stopping = true;
      clearInterval(period);
      queue.shutDown();
      gate.open();
      await Promise.allSettled(workers);
      await elector.stop(true);
      await caches.stop();
      log.info('operator stopped');
    },
    ready: () => caches.hasSynced() && (leading ? firstResyncDone : elector.isHealthy()),
    isLeader: () => leading,
    async resync() {
      await caches.relistAll();
      await fullResync('requested');
    },
    stats: () => ({
      ...reconciler.stats,
      leader: leading,
      queued: queue.length,
      pruned: counters.pruned,
      resyncs: counters.resyncs,
      requests: { ...apis.counters },
    }),
  });
}

function newGate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
