/**
 * Operator convergence on a real kube-apiserver (+ etcd) built by hack/build-test-assets.sh.
 *
 * Creates N AgentGroups, N MessagingGroups (each wired to one agent) and M UserRoles (admins and members scoped to
 * the agents), then starts the operator as a child process with an empty central DB and measures:
 *   - cold start: time from spawn until the DB holds every projected row, and until every status is written;
 *   - idle resync: DB writes (SQLite data_version) and status writes (API server audit log) during a periodic
 *     relist + prune + reconcile-everything pass with nothing changed;
 *   - restart: a new operator process on the same DB with nothing changed — time to ready, and its writes;
 *   - operator RSS after converging, after the idle resync, and its peak.
 *
 * Usage: npm run bench:operator [-- --agents 1000 --chats 1000 --roles 5000 --resync-seconds 20]
 *          [--node-args=--optimize-for-size]   node flags of the operator process: the default is the
 *                                              recommended deployment; --node-args= measures node's defaults
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import { ControlPlane } from '../test/fixtures/kube/control-plane.js';
import { OperatorProcess } from '../test/fixtures/kube/operator-process.js';
import { inPool } from '../test/fixtures/kube/pool.js';
import { waitFor } from '../test/fixtures/kube/processes.js';
import { PooledKubeConfig } from '../kube/kubeconfig.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    chats: { type: 'string', default: '1000' },
    roles: { type: 'string', default: '5000' },
    'resync-seconds': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    'node-args': { type: 'string', default: '--optimize-for-size' },
  },
});
const A = Number(args.agents);
const C = Number(args.chats);
const R = Number(args.roles);
const RESYNC_S = Number(args['resync-seconds']);
const NODE_ARGS = args['node-args'].split(' ').filter(Boolean);
const LIMIT = 10 * 60_000; // every wait below is bounded by this

const api = 'nanoclaw.dev/v1alpha1';
function manifests(): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (let i = 0; i < A; i++) {
    out.push([
      'agentgroups',
      { apiVersion: api, kind: 'AgentGroup', metadata: { name: `ag-${i}` }, spec: { provider: 'mock' } },
    ]);
  }
  for (let i = 0; i < C; i++) {
    const spec = {
      channel: 'telegram',
      platformId: `-100${i}`,
      displayName: `Chat ${i}`,
      agents: [{ agentGroup: `ag-${i % A}` }],
    };
    out.push([
      'messaginggroups',
      { apiVersion: api, kind: 'MessagingGroup', metadata: { name: `mg-${i}` }, spec },
    ]);
  }
  for (let i = 0; i < R; i++) {
    const spec = { user: `telegram:${i}`, role: i % 5 === 0 ? 'admin' : 'member', agentGroup: `ag-${i % A}` };
    out.push(['userroles', { apiVersion: api, kind: 'UserRole', metadata: { name: `ur-${i}` }, spec }]);
  }
  return out;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const count = (db: CentralDb, sql: string) => (db.raw.prepare(sql).get() as { n: number }).n;
const dataVersion = (db: CentralDb) => db.raw.pragma('data_version', { simple: true }) as number;
const resyncLines = (op: OperatorProcess) => op.logLines().filter((l) => l.msg === 'resync done');

function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const cp = await ControlPlane.start({ audit: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-bench-op-'));
  const running: OperatorProcess[] = [];
  try {
    const ns = await cp.createNamespace('bench');
    // Keep-alive connections: client-node's default opens a TLS connection per request, which would leave the
    // bench process busy (and competing with the operator for CPU) long after the objects are created.
    const custom = PooledKubeConfig.from(cp.kubeConfig()).makeApiClient(CustomObjectsApi);
    const todo = manifests();
    const tc = Date.now();
    await inPool(todo, Number(args.concurrency), ([plural, body]) =>
      custom.createNamespacedCustomObject({
        group: 'nanoclaw.dev',
        version: 'v1alpha1',
        namespace: ns,
        plural,
        body,
      }),
    );
    console.log(
      `created ${todo.length} objects in ${secs(Date.now() - tc)} (control plane up after ${secs(tc - t0)})`,
    );

    const dataDir = path.join(tmp, 'data');
    const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
    const converged = () =>
      count(db, "SELECT count(*) AS n FROM agent_groups WHERE source = 'crd'") === A &&
      count(db, "SELECT count(*) AS n FROM messaging_groups WHERE source = 'crd'") === C &&
      count(db, "SELECT count(*) AS n FROM messaging_group_agents WHERE source = 'crd'") === C &&
      count(db, "SELECT count(*) AS n FROM user_roles WHERE source = 'crd'") +
        count(db, "SELECT count(*) AS n FROM agent_group_members WHERE source = 'crd'") ===
        R;
    const start = (identity: string) => {
      const op = OperatorProcess.start({
        kubeconfig: cp.kubeconfigPath,
        dataDir,
        namespaces: [ns],
        identity,
        resyncSeconds: RESYNC_S,
        logFile: path.join(tmp, `${identity}.log`),
        nodeArgs: NODE_ARGS,
      });
      running.push(op);
      return op;
    };
    const statusWrites = () =>
      cp
        .auditEvents()
        .filter((e) => e.objectRef?.apiGroup === 'nanoclaw.dev' && e.objectRef.subresource === 'status');

    // Cold start.
    const ts = Date.now();
    const op = start('bench');
    await waitFor('DB convergence', converged, { timeoutMs: LIMIT, intervalMs: 20 });
    const dbMs = Date.now() - ts;
    await op.waitForLog('initial resync done', LIMIT);
    const statusMs = Date.now() - ts;
    const rssConverged = op.rssBytes();
    const latencies = statusWrites()
      .map((e) => Date.parse(e.stageTimestamp ?? '') - Date.parse(e.requestReceivedTimestamp ?? ''))
      .sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;

    // Idle: the next periodic resync (relist everything, prune, reconcile everything) must write nothing.
    const before = {
      resyncs: resyncLines(op).length,
      writes: statusWrites().length,
      version: dataVersion(db),
    };
    await waitFor('an idle periodic resync', () => resyncLines(op).length > before.resyncs, {
      timeoutMs: Math.max(LIMIT / 5, RESYNC_S * 3000),
      intervalMs: 200,
    });
    const idle = resyncLines(op).at(-1) as Record<string, number>;
    const idleDbWrites = dataVersion(db) - before.version;
    const idleStatusWrites = statusWrites().length - before.writes;
    const rssIdle = op.rssBytes();
    const peak = peakRss(op.pid);

    // Restart with nothing changed.
    await op.stop();
    const restartBefore = { writes: statusWrites().length, version: dataVersion(db) };
    const tr = Date.now();
    const again = start('bench-restarted');
    await again.waitForLog('initial resync done', LIMIT);
    const restartMs = Date.now() - tr;
    const restartDbWrites = dataVersion(db) - restartBefore.version;
    const restartStatusWrites = statusWrites().length - restartBefore.writes;

    const rows = [
      ['objects', `${A} AgentGroups + ${C} MessagingGroups + ${R} UserRoles`],
      ['operator node flags', NODE_ARGS.join(' ') || '(node defaults)'],
      ['cold start → DB converged', secs(dbMs)],
      ['cold start → every status written', secs(statusMs)],
      [
        'cold start: status writes (API server p50 / p99)',
        `${latencies.length} (${pct(0.5)} ms / ${pct(0.99)} ms)`,
      ],
      ['idle resync: duration (relist + reconcile all)', secs(idle.durationMs ?? 0)],
      ['idle resync: objects reconciled', String(idle.reconciles)],
      ['idle resync: DB commits (SQLite data_version)', String(idleDbWrites)],
      ['idle resync: status writes (audit log)', String(idleStatusWrites)],
      ['restart, nothing changed: time to ready', secs(restartMs)],
      ['restart, nothing changed: DB commits / status writes', `${restartDbWrites} / ${restartStatusWrites}`],
      [
        'operator RSS: converged / after idle resync / peak',
        `${mb(rssConverged)} / ${mb(rssIdle)} / ${mb(peak)}`,
      ],
      ['operator V8 heap used after idle resync', `${idle.heapMB} MiB`],
    ];
    console.log('\nOperator convergence');
    for (const [k, v] of rows) console.log(`  ${k!.padEnd(54)} ${v}`);
    console.log(
      JSON.stringify({
        agents: A,
        chats: C,
        roles: R,
        nodeArgs: NODE_ARGS,
        dbMs,
        statusMs,
        idleDbWrites,
        idleStatusWrites,
        restartMs,
        restartDbWrites,
        restartStatusWrites,
        rssConverged,
        rssIdle,
        peakRss: peak,
      }),
    );
    db.close();
  } finally {
    for (const op of running) await op.stop();
    await cp.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
