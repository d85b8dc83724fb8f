/**
 * AgentGroup spec.peers through the operator against a real kube-apiserver: a peer declared before it exists makes
 * the declaring group Ready=False PeerNotFound until the peer is created; removing the peer takes its destination
 * away and says so; bringing it back heals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { listDestinations } from '../../host/db/destinations.js';
import { runOperator, type OperatorHandle } from '../../operator/k8s/operator.js';
import { agentGroup } from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { eventually, objects, ready } from './support.js';

let cp: ControlPlane;
let ns: string;
let api: ReturnType<typeof objects>;
let db: CentralDb;
let dataDir: string;
let op: OperatorHandle;

beforeAll(async () => {
  cp = await ControlPlane.start();
  ns = await cp.createNamespace('peers');
  api = objects(cp.kubeConfig());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-peers-data-'));
  db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  op = await runOperator({
    db,
    dataDir,
    kubeConfig: cp.kubeConfig(),
    namespaces: [ns],
    log: pino({ level: process.env.OPERATOR_LOG ?? 'silent' }),
    leaseDurationSeconds: 4,
  });
  await eventually(() => op.ready(), 30_000);
});

afterAll(async () => {
  await op?.stop();
  db?.close();
  await cp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function readyReason(name: string): Promise<string | undefined> {
  const o = await api.get(ns, 'AgentGroup', name);
  const c = ready(o);
  return c?.observedGeneration === o.metadata.generation ? c.reason : undefined;
}

const agentDestinations = () =>
  listDestinations(db, 'front')
    .filter((d) => d.target_type === 'agent')
    .map((d) => `${d.local_name} -> ${d.target_id}`);

describe('AgentGroup peers on a real API server', () => {
  it('waits for a peer declared before it exists, loses it when it is deleted, and heals when it returns', async () => {
    await api.create(
      ns,
      agentGroup('front', { provider: 'mock', peers: [{ agentGroup: 'research', name: 'lab' }] }),
    );
    await eventually(async () => (await readyReason('front')) === 'PeerNotFound');
    expect(ready(await api.get(ns, 'AgentGroup', 'front'))!.message).toContain('peer AgentGroup "research"');
    expect(agentDestinations()).toEqual([]);

    await api.create(ns, agentGroup('research', { provider: 'mock' }));
    await eventually(async () => (await readyReason('front')) === 'Projected');
    expect(agentDestinations()).toEqual(['lab -> research']);

    await api.delete(ns, 'AgentGroup', 'research');
    await eventually(async () => (await readyReason('front')) === 'PeerNotFound');
    expect(agentDestinations()).toEqual([]);

    await api.create(ns, agentGroup('research', { provider: 'mock' }));
    await eventually(async () => (await readyReason('front')) === 'Projected');
    expect(agentDestinations()).toEqual(['lab -> research']);
  });
});
