/**
 * The operator runs with nothing but operator/rbac.ts's rules (a namespaced Role bound to a plain user): it lists
 * and watches its kinds and ConfigMaps, writes status, records Events and holds its Lease.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { runOperator, type OperatorHandle } from '../../operator/k8s/operator.js';
import { OPERATOR_RBAC_RULES } from '../../operator/rbac.js';
import { agentGroup, messagingGroup } from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { apiError, eventually, objects, ready } from './support.js';

const USER = 'nanoclaw-operator';
let cp: ControlPlane;
let ns: string;
let db: CentralDb;
let dataDir: string;
let op: OperatorHandle | undefined;
let limited: KubeConfig;

beforeAll(async () => {
  cp = await ControlPlane.start();
  ns = await cp.createNamespace('rbac');
  const rbac = cp.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: ns,
    body: { metadata: { name: USER }, rules: OPERATOR_RBAC_RULES },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: USER },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: USER },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
    },
  });
  limited = new KubeConfig();
  limited.loadFromFile(cp.kubeconfigFor(USER));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-rbac-'));
  db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
});
afterAll(async () => {
  await op?.stop();
  db?.close();
  await cp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('operator RBAC', () => {
  it('works with exactly the documented rules, and nothing more is granted', async () => {
    const denied = await limited
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .then(() => undefined, apiError);
    expect(denied?.code).toBe(403);

    op = await runOperator({
      db,
      dataDir,
      kubeConfig: limited,
      namespaces: [ns],
      log: pino({ level: 'silent' }),
    });
    await eventually(() => op!.ready() && op!.isLeader(), 30_000);
    const api = objects(cp.kubeConfig());
    await api.create(
      ns,
      agentGroup('limited', { instructionsFrom: { configMapKeyRef: { name: 'p', key: 'k' } } }),
    );
    await cp
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'p' }, data: { k: 'From RBAC test.' } },
      });
    await eventually(() => getAgentGroup(db, 'limited')?.instructions === 'From RBAC test.');
    await eventually(async () => ready(await api.get(ns, 'AgentGroup', 'limited'))?.status === 'True');
    await api.create(
      ns,
      messagingGroup('broken', { channel: 'web', platformId: 'x', agents: [{ agentGroup: 'nope' }] }),
    );
    await eventually(
      async () => ready(await api.get(ns, 'MessagingGroup', 'broken'))?.reason === 'AgentGroupNotFound',
    );
    const events = await cp.kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
    expect(events.items.map((e) => e.reason)).toContain('AgentGroupNotFound');
    expect(op.stats().requests.denied).toBe(0);
  });
});
