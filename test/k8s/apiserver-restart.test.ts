/**
 * The API server goes away and comes back (same etcd): a running operator process recovers by itself — its watches
 * restart, it re-acquires its Lease, and it projects what changed — without being restarted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { OperatorProcess } from '../fixtures/kube/operator-process.js';
import { agentGroup } from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { eventually, objects, ready } from './support.js';

let cp: ControlPlane;
let tmp: string;
let op: OperatorProcess | undefined;
let db: CentralDb;

beforeAll(async () => {
  cp = await ControlPlane.start();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-restart-'));
});
afterAll(async () => {
  await op?.kill();
  db?.close();
  await cp?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('API server restart', () => {
  it('the operator recovers without being restarted', async () => {
    const ns = await cp.createNamespace('restart');
    const dataDir = path.join(tmp, 'data');
    db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
    op = OperatorProcess.start({
      kubeconfig: cp.kubeconfigPath,
      dataDir,
      namespaces: [ns],
      identity: 'survivor',
      leaseDurationSeconds: 4,
      logFile: path.join(tmp, 'operator.log'),
    });
    await op.waitForLog('initial resync done');
    await objects(cp.kubeConfig()).create(ns, agentGroup('before'));
    await eventually(() => getAgentGroup(db, 'before') !== undefined);
    const pid = op.pid;

    await cp.stopApiserver();
    // Long enough for the watches to fail and the Lease renewals to miss their deadline.
    await eventually(() => op!.hasLogged('stopped leading'), 30_000);
    await cp.startApiserver();

    const api = objects(cp.kubeConfig());
    await api.create(ns, agentGroup('after'));
    await eventually(() => getAgentGroup(db, 'after') !== undefined, 90_000);
    const after = await eventually(async () => {
      const o = await api.get(ns, 'AgentGroup', 'after');
      return ready(o)?.status === 'True' ? o : undefined;
    }, 60_000);
    expect(after.status?.folder).toBe('after');
    expect(op.exited).toBe(false);
    expect(op.pid).toBe(pid);
    const retries = op.logLines().filter((l) => l.msg === 'list/watch failed; restarting').length;
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThan(60); // 4 informers with exponential backoff: no hot loop
    expect(op.logLines().filter((l) => l.msg === 'started leading').length).toBeGreaterThanOrEqual(2);
  });
});
