/**
 * The operator as real child processes against a real kube-apiserver: killed mid-reconcile → converges after a
 * restart; objects deleted while no operator runs → pruned at start; two operators → one leader, and the follower
 * takes over within seconds after the leader is killed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { OperatorProcess } from '../fixtures/kube/operator-process.js';
import {
  agentGroup,
  messagingGroup,
  userRole,
} from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { inPool } from '../fixtures/kube/pool.js';
import { count, eventually, objects, ready } from './support.js';

let cp: ControlPlane;
let api: ReturnType<typeof objects>;
let tmp: string;
const running: OperatorProcess[] = [];

beforeAll(async () => {
  cp = await ControlPlane.start();
  api = objects(cp.kubeConfig());
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-opproc-'));
});
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill();
});
afterAll(async () => {
  await cp?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function startOperator(ns: string, dataDir: string, identity: string): OperatorProcess {
  const p = OperatorProcess.start({
    kubeconfig: cp.kubeconfigPath,
    dataDir,
    namespaces: [ns],
    identity,
    leaseDurationSeconds: 3,
    logFile: path.join(tmp, `${identity}.log`),
    logLevel: 'debug',
  });
  running.push(p);
  return p;
}

function openDb(dataDir: string): CentralDb {
  return openCentralDb(path.join(dataDir, 'nanoclaw.db'));
}

describe('operator processes', () => {
  it('converges after being killed mid-reconcile, and prunes what was deleted while it was down', async () => {
    const ns = await cp.createNamespace('crash');
    const dataDir = path.join(tmp, 'crash');
    const db = openDb(dataDir);
    const N = 600;
    await api.create(ns, agentGroup('base'));
    await inPool(
      Array.from({ length: N }, (_, i) => i),
      16,
      (i) =>
        api.create(
          ns,
          userRole(`member-${i}`, { user: `telegram:${i}`, role: 'member', agentGroup: 'base' }),
        ),
    );
    const members = () => count(db, "SELECT count(*) AS n FROM agent_group_members WHERE source = 'crd'");

    const first = startOperator(ns, dataDir, 'first');
    await eventually(() => members() > 0, 30_000, 5);
    await first.kill();
    const atKill = members();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N);

    const second = startOperator(ns, dataDir, 'second');
    await eventually(() => members() === N, 60_000);
    await eventually(
      async () => (await api.list(ns, 'UserRole')).every((o) => ready(o)?.status === 'True'),
      60_000,
    );
    expect(count(db, 'SELECT count(*) AS n FROM agent_group_members')).toBe(N);

    // Delete while no operator runs: the next one prunes at start.
    await api.create(
      ns,
      messagingGroup('doomed-chat', {
        channel: 'web',
        platformId: 'doomed',
        agents: [{ agentGroup: 'base' }],
      }),
    );
    await api.create(ns, agentGroup('doomed'));
    await eventually(
      () =>
        findMessagingGroup(db, 'web', 'doomed') !== undefined && getAgentGroup(db, 'doomed') !== undefined,
    );
    await second.stop();
    await api.delete(ns, 'MessagingGroup', 'doomed-chat');
    await api.delete(ns, 'AgentGroup', 'doomed');
    await api.delete(ns, 'UserRole', 'member-0');
    expect(findMessagingGroup(db, 'web', 'doomed')).toBeDefined();
    const third = startOperator(ns, dataDir, 'third');
    await third.waitForLog('pruned rows of objects that no longer exist');
    expect(findMessagingGroup(db, 'web', 'doomed')).toBeUndefined();
    expect(getAgentGroup(db, 'doomed')).toBeUndefined();
    expect(members()).toBe(N - 1);
    db.close();
  });

  it('two operators: one leads, the other takes over within seconds after the leader is killed', async () => {
    const ns = await cp.createNamespace('lease');
    const dataDir = path.join(tmp, 'lease');
    const db = openDb(dataDir);
    const a = startOperator(ns, dataDir, 'op-a');
    const b = startOperator(ns, dataDir, 'op-b');
    await eventually(() => a.hasLogged('started leading') || b.hasLogged('started leading'), 30_000);
    const [leader, follower] = a.hasLogged('started leading') ? [a, b] : [b, a];
    const lease = await cp
      .kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: ns, name: 'nanoclaw-operator' });
    expect(lease.spec?.holderIdentity).toBe(leader.opts.identity);

    await api.create(ns, agentGroup('before'));
    await eventually(() => getAgentGroup(db, 'before') !== undefined);
    expect(leader.logLines().filter((l) => l.msg === 'projected').length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(follower.hasLogged('started leading')).toBe(false);
    expect(follower.logLines().filter((l) => l.msg === 'projected')).toEqual([]);

    const killedAt = Date.now();
    await leader.kill();
    await follower.waitForLog('started leading', 20_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000); // lease 3 s + one retry period + start-up slack
    await api.create(ns, agentGroup('after'));
    await eventually(() => getAgentGroup(db, 'after') !== undefined);
    const o = await eventually(async () => {
      const x = await api.get(ns, 'AgentGroup', 'after');
      return ready(x)?.status === 'True' ? x : undefined;
    });
    expect(o.status?.observedGeneration).toBe(1);
    db.close();
  });
});
