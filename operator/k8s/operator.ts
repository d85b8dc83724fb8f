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
 * - New MCP server reports the host stored queue their AgentGroups (mcp-status-watch.ts), so the McpServersReady
 *   condition follows within a poll.
 * - Built in dependency order: queues, caches, reconciler, elector; the links back (cache events → reconciler and
 *   queue, leadership → workers and resync) are subscriptions made before anything starts.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CentralDb } from '../../host/db/central-db.js';
import { pruneProjection, KIND_ORDER } from '../projection/project.js';
import { logArchived } from '../projection/archive.js';
import { configMapsReadBy } from '../projection/desired-skills.js';
import { errorText } from '../../kube/errors.js';
import { KubeApis, type RequestCounters } from './api.js';
import { ObjectCaches, objectKey, parseKey } from './caches.js';
import { EventRecorder } from './events.js';
import { PooledKubeConfig } from '../../kube/kubeconfig.js';
import { LeaderElector } from './leader.js';
import { watchMcpStatus } from './mcp-status-watch.js';
import { Reconciler, type ReconcilerStats } from './reconciler.js';
import { WorkQueue } from './work-queue.js';
import { KIND_NAMES, type KindName } from '../api/v1alpha1/kinds.js';

export interface OperatorOptions {
  db: CentralDb;
  /** NANOCLAW_DATA_DIR: agent folders are created under <dataDir>/groups/. */
  dataDir: string;
  kubeConfig: KubeConfig;
  /**
   * NANOCLAW_WATCH_NAMESPACES. One namespace: agent group ids are names; several: `<namespace>/<name>` and folders
   * `<namespace>-<folder>`. The first is the install's own namespace.
   */
  namespaces: string[];
  /**
   * NANOCLAW_GLOBAL_GRANT_NAMESPACES: namespaces whose UserRoles may grant a global owner or admin. Default (unset
   * or empty): the install's own namespace only.
   */
  globalGrantNamespaces?: string[];
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
  /** Concurrent status writes (default 8). Projection itself is synchronous and runs one object at a time. */
  workers?: number;
}

export interface OperatorStats extends ReconcilerStats {
  /** Objects whose last projection was not Ready (their status says why), by kind. */
  notReady: Record<KindName, number>;
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
  const kubeConfig = PooledKubeConfig.from(opts.kubeConfig);
  const apis = new KubeApis(kubeConfig);
  const rank = (key: string) => KIND_ORDER[parseKey(key).kind];
  const queue = new WorkQueue({ rank });
  const statusQueue = new WorkQueue({ rank });
  const counters = { pruned: 0, resyncs: 0 };
  let leading = false;
  let firstResyncDone = false;
  let stopping = false;

  const caches = new ObjectCaches({ kc: kubeConfig, apis, namespaces, log });
  const reconciler = new Reconciler({
    db: opts.db,
    dataDir: opts.dataDir,
    multiNamespace: namespaces.length > 1,
    globalGrantNamespaces: new Set(
      opts.globalGrantNamespaces?.length ? opts.globalGrantNamespaces : [namespaces[0]!],
    ),
    caches,
    apis,
    events: new EventRecorder(apis, log, identity),
    log,
    enqueue: (key) => queue.add(key),
    enqueueStatus: (key) => statusQueue.add(key),
  });
  const elector = new LeaderElector({
    apis,
    namespace: opts.leaseNamespace ?? namespaces[0]!,
    name: opts.leaseName ?? 'nanoclaw-operator',
    identity,
    log,
    leaseDurationSeconds: opts.leaseDurationSeconds,
  });

  const stopMcpWatch = watchMcpStatus({
    db: opts.db,
    scope: { multiNamespace: namespaces.length > 1 },
    agentGroups: () => caches.list('AgentGroup'),
    enqueue: (ag) => queue.add(objectKey('AgentGroup', ag.metadata.namespace, ag.metadata.name)),
    log,
  });

  caches.on('object', (kind, event, obj) => {
    if (event === 'delete') reconciler.noteDeleted(kind, obj);
    queue.add(objectKey(kind, obj.metadata.namespace, obj.metadata.name));
  });
  caches.on('configMap', (_event, cm) => {
    const { name, namespace } = cm.metadata ?? {};
    for (const ag of caches.list('AgentGroup', namespace)) {
      if (ag.kind === 'AgentGroup' && name !== undefined && configMapsReadBy(ag.spec).includes(name)) {
        queue.add(objectKey('AgentGroup', ag.metadata.namespace, ag.metadata.name));
      }
    }
  });

  // Workers run only while leading; a follower's keys wait (de-duplicated) in the queues.
  let gate: { promise: Promise<void>; open: () => void } = newGate();
  // Status writes also wait, after each take-over, until the first projection pass is done: the DB converges first.
  let statusGate = newGate();
  async function worker(
    q: WorkQueue,
    what: string,
    handle: (key: string) => void | Promise<void>,
    extraGate?: () => Promise<void>,
  ): Promise<void> {
    let lastYield = Date.now();
    for (;;) {
      await gate.promise;
      await extraGate?.();
      const key = await q.get();
      if (key === undefined) return;
      if (!leading) {
        q.done(key);
        q.add(key);
        continue;
      }
      try {
        await handle(key);
        q.forget(key);
      } catch (err) {
        const delay = q.retry(key);
        log.warn({ key, retryInMs: delay, reason: errorText(err) }, `${what} failed; will retry`);
      } finally {
        q.done(key);
      }
      // Projection is synchronous: give watches, status writes and Lease renewals their turn now and then.
      if (Date.now() - lastYield > 10) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
    }
  }

  /** Both queues empty at the same moment (a status write can queue a projection and vice versa). */
  async function drained(): Promise<void> {
    for (let i = 0; i < 1000 && !(queue.isIdle() && statusQueue.isIdle()); i++) {
      await queue.whenIdle();
      await statusQueue.whenIdle();
    }
  }

  /**
   * One resync at a time per leadership term. A resync of an earlier term may still wait for its queues to drain
   * (workers pause while not leading); a new term never waits on it.
   */
  let term = 0;
  let resyncing: { term: number; promise: Promise<void> } | undefined;
  function fullResync(why: string): Promise<void> {
    if (resyncing?.term === term) return resyncing.promise;
    const myTerm = term;
    const myStatusGate = statusGate;
    const current = leading && !stopping;
    const promise = (async () => {
      await caches.waitForSync();
      if (!current || !leading || stopping || term !== myTerm) return;
      const started = Date.now();
      const before = { ...reconciler.stats };
      const live = caches.liveUids();
      const { gone, archived } = pruneProjection(opts.db, opts.dataDir, (uid) => live.has(uid));
      logArchived(log, archived);
      counters.pruned += gone.length;
      counters.resyncs++;
      if (gone.length) log.info({ pruned: gone.length }, 'pruned rows of objects that no longer exist');
      for (const kind of KIND_NAMES) {
        for (const o of caches.list(kind)) queue.add(objectKey(kind, o.metadata.namespace, o.metadata.name));
      }
      for (const key of reconciler.tombstoneKeys()) queue.add(key);
      await queue.whenIdle();
      myStatusGate.open();
      await drained();
      const after = reconciler.stats;
      const mem = process.memoryUsage();
      log.info(
        {
          why,
          objects: live.size,
          pruned: gone.length,
          reconciles: after.reconciles - before.reconciles,
          dbWrites: after.dbWrites - before.dbWrites,
          statusWrites: after.statusWrites - before.statusWrites,
          durationMs: Date.now() - started,
          heapMB: Math.round(mem.heapUsed / 1048576),
          rssMB: Math.round(mem.rss / 1048576),
        },
        'resync done',
      );
      if (!firstResyncDone && term === myTerm) log.info({ why, objects: live.size }, 'initial resync done');
      if (term === myTerm) firstResyncDone = true;
    })();
    resyncing = { term: myTerm, promise };
    void promise
      .finally(() => {
        if (resyncing?.promise === promise) resyncing = undefined;
      })
      .catch(() => undefined);
    return promise;
  }

  elector.on('started', () => {
    leading = true;
    term++;
    gate.open();
    void fullResync('leading').catch((err: unknown) =>
      log.error({ reason: errorText(err) }, 'resync failed'),
    );
  });
  elector.on('stopped', () => {
    leading = false;
    firstResyncDone = false;
    gate = newGate();
    statusGate = newGate();
  });

  caches.start();
  elector.start();
  const workers = [
    worker(queue, 'projection', (key) => reconciler.reconcile(key)),
    ...Array.from({ length: opts.workers ?? 8 }, () =>
      worker(
        statusQueue,
        'status write',
        (key) => reconciler.syncStatus(key),
        () => statusGate.promise,
      ),
    ),
  ];
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
      stopMcpWatch();
      queue.shutDown();
      statusQueue.shutDown();
      gate.open();
      statusGate.open();
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
      notReady: reconciler.notReadyByKind(),
      leader: leading,
      queued: queue.length + statusQueue.length,
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
