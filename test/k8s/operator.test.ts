/**
 * The operator in-process against a real kube-apiserver: create/update/delete of each kind → exact DB rows,
 * wirings → destinations, UserRole changes → admin ids, status conditions with observedGeneration, cross-object
 * errors that heal, Events, a no-change resync that writes nothing, and coexistence with a GitOps field manager.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUserIdsFor } from '../../host/access/access.js';
import { egressRulesOf, getAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { listDestinations } from '../../host/db/destinations.js';
import { findMessagingGroup } from '../../host/db/messaging-groups.js';
import { totalChanges } from '../../host/db/provenance.js';
import { listWiringsOf } from '../../host/db/wirings.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { runOperator, type OperatorHandle } from '../../operator/k8s/operator.js';
import {
  agentGroup,
  messagingGroup,
  userRole,
} from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { EXAMPLE_OBJECTS, eventually, objects, ready, type KObject } from './support.js';

let cp: ControlPlane;
let ns: string;
let api: ReturnType<typeof objects>;
let db: CentralDb;
let dataDir: string;
let op: OperatorHandle;

beforeAll(async () => {
  cp = await ControlPlane.start({ audit: true });
  ns = await cp.createNamespace('op');
  api = objects(cp.kubeConfig());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-op-data-'));
  db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  op = await startOperator();
  await eventually(() => op.ready(), 30_000);
});

function startOperator(): Promise<OperatorHandle> {
  return runOperator({
    db,
    dataDir,
    kubeConfig: cp.kubeConfig(),
    namespaces: [ns],
    log: pino({ level: process.env.OPERATOR_LOG ?? 'silent' }),
    leaseDurationSeconds: 4,
  });
}

afterAll(async () => {
  await op?.stop();
  db?.close();
  await cp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Waits until the object's Ready condition reports `status` for its current generation, and returns it. */
async function readyAs(
  kind: string,
  name: string,
  status: 'True' | 'False',
  reason?: string,
): Promise<KObject> {
  return eventually(async () => {
    const o = await api.get(ns, kind, name);
    const c = ready(o);
    const current = c?.status === status && c.observedGeneration === o.metadata.generation;
    return current &&
      (!reason || c.reason === reason) &&
      o.status?.observedGeneration === o.metadata.generation
      ? o
      : undefined;
  });
}

async function events(name: string) {
  const list = await cp.kubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => `${e.type}/${e.reason}`);
}

describe('operator on a real API server', () => {
  it('projects an AgentGroup, follows its updates with observedGeneration, removes it on delete', async () => {
    const created = await api.create(ns, agentGroup('helper', { displayName: 'Helper', provider: 'mock' }));
    const ok = await readyAs('AgentGroup', 'helper', 'True', 'Projected');
    expect(ok.status).toMatchObject({ observedGeneration: 1, agentGroupId: 'helper', folder: 'helper' });
    expect(getAgentGroup(db, 'helper')).toMatchObject({
      name: 'Helper',
      folder: 'helper',
      agent_provider: 'mock',
      source: 'crd',
      source_uid: created.metadata.uid,
      source_generation: 1,
    });
    expect(fs.existsSync(path.join(dataDir, 'groups', 'helper'))).toBe(true);

    await api.replace(ns, { ...ok, spec: { ...ok.spec, model: 'claude-test', instructions: 'Be brief.' } });
    const updated = await eventually(async () => {
      const o = await api.get(ns, 'AgentGroup', 'helper');
      return o.status?.observedGeneration === 2 ? o : undefined;
    });
    expect(ready(updated)).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect(getAgentGroup(db, 'helper')).toMatchObject({
      model: 'claude-test',
      instructions: 'Be brief.',
      source_generation: 2,
    });

    await api.delete(ns, 'AgentGroup', 'helper');
    await eventually(() => getAgentGroup(db, 'helper') === undefined);
  });

  it('projects spec.egress with the API server’s default ports, and follows a changed list', async () => {
    await api.create(ns, agentGroup('fetcher', { provider: 'mock', egress: [{ host: 'api.github.com' }] }));
    const ok = await readyAs('AgentGroup', 'fetcher', 'True', 'Projected');
    expect((ok.spec as { egress: unknown }).egress).toEqual([{ host: 'api.github.com', ports: [443] }]);
    expect(egressRulesOf(db, 'fetcher')).toEqual([{ host: 'api.github.com', ports: [443] }]);
    await api.replace(ns, {
      ...ok,
      spec: { ...ok.spec, egress: [{ host: '*.example.com', ports: [8443] }] },
    });
    await eventually(() => egressRulesOf(db, 'fetcher')[0]?.host === '*.example.com');
    expect(egressRulesOf(db, 'fetcher')).toEqual([{ host: '*.example.com', ports: [8443] }]);
    await api.delete(ns, 'AgentGroup', 'fetcher');
    await eventually(() => getAgentGroup(db, 'fetcher') === undefined);
  });

  it('projects a MessagingGroup with wirings and destinations, and follows agent removal and deletion', async () => {
    await api.create(ns, agentGroup('alpha'));
    await api.create(ns, agentGroup('beta'));
    await readyAs('AgentGroup', 'alpha', 'True');
    await readyAs('AgentGroup', 'beta', 'True');
    await api.create(
      ns,
      messagingGroup('team', {
        channel: 'telegram',
        platformId: '-1001',
        displayName: 'Team Chat',
        agents: [
          { agentGroup: 'alpha', priority: 10 },
          { agentGroup: 'beta', engage: { mode: 'pattern', pattern: '^!b' } },
        ],
      }),
    );
    const mg = await readyAs('MessagingGroup', 'team', 'True');
    expect(mg.status).toMatchObject({ messagingGroupId: 'team', wiredAgents: 2 });
    expect(
      listWiringsOf(db, 'team').map((w) => [
        w.agent_group_id,
        w.engage_mode,
        w.engage_pattern,
        w.priority,
        w.source,
      ]),
    ).toEqual([
      ['alpha', 'mention', null, 10, 'crd'],
      ['beta', 'pattern', '^!b', 0, 'crd'],
    ]);
    expect(listDestinations(db, 'alpha').map((d) => [d.local_name, d.target_id])).toEqual([
      ['team-chat', 'team'],
    ]);
    expect(listDestinations(db, 'beta').map((d) => [d.local_name, d.target_id])).toEqual([
      ['team-chat', 'team'],
    ]);

    await api.replace(ns, { ...mg, spec: { ...mg.spec, agents: [{ agentGroup: 'alpha' }] } });
    await eventually(() => listWiringsOf(db, 'team').length === 1);
    expect(listDestinations(db, 'beta')).toEqual([]);
    await api.delete(ns, 'MessagingGroup', 'team');
    await eventually(() => findMessagingGroup(db, 'telegram', '-1001') === undefined);
    expect(listDestinations(db, 'alpha')).toEqual([]);
  });

  it('UserRole changes change adminUserIdsFor', async () => {
    await api.create(ns, agentGroup('gamma'));
    await readyAs('AgentGroup', 'gamma', 'True');
    await api.create(ns, userRole('olga', { user: 'telegram:100', role: 'owner' }));
    await api.create(ns, userRole('sam', { user: 'slack:U200', role: 'admin', agentGroup: 'gamma' }));
    await eventually(() => adminUserIdsFor(db, 'gamma').join() === 'slack:U200,telegram:100');
    const sam = await readyAs('UserRole', 'sam', 'True');
    await api.replace(ns, { ...sam, spec: { ...sam.spec, role: 'member' } });
    await eventually(() => adminUserIdsFor(db, 'gamma').join() === 'telegram:100');
    await api.delete(ns, 'UserRole', 'olga');
    await eventually(() => adminUserIdsFor(db, 'gamma').length === 0);
  });

  it('reports cross-object problems as Ready=False with an Event, and recovers when they are fixed', async () => {
    await api.create(
      ns,
      messagingGroup('early', { channel: 'web', platformId: 'early', agents: [{ agentGroup: 'late' }] }),
    );
    const bad = await readyAs('MessagingGroup', 'early', 'False', 'AgentGroupNotFound');
    expect(ready(bad)!.message).toContain('AgentGroup "late"');
    await eventually(async () => (await events('early')).includes('Warning/AgentGroupNotFound'));
    await api.create(ns, agentGroup('late'));
    await readyAs('MessagingGroup', 'early', 'True', 'Projected');
    expect(listWiringsOf(db, 'early').map((w) => w.agent_group_id)).toEqual(['late']);
    await eventually(async () => (await events('early')).includes('Normal/Projected'));

    await api.create(ns, messagingGroup('second', { channel: 'web', platformId: 'early' }));
    const dup = await readyAs('MessagingGroup', 'second', 'False', 'ChatConflict');
    expect(ready(dup)!.message).toContain(`${ns}/early`);
    await api.delete(ns, 'MessagingGroup', 'early');
    await readyAs('MessagingGroup', 'second', 'True');
    expect(findMessagingGroup(db, 'web', 'early')).toMatchObject({ id: 'second', source: 'crd' });

    await api.create(ns, userRole('scoped', { user: 'web:x', role: 'admin', agentGroup: 'nobody' }));
    await readyAs('UserRole', 'scoped', 'False', 'AgentGroupNotFound');
    await api.create(ns, agentGroup('nobody'));
    await readyAs('UserRole', 'scoped', 'True');
    expect(adminUserIdsFor(db, 'nobody')).toContain('web:x');
  });

  it('reads instructions from a ConfigMap and follows its changes', async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await api.create(
      ns,
      agentGroup('prompted', {
        instructionsFrom: { configMapKeyRef: { name: 'prompts', key: 'prompted.md' } },
      }),
    );
    const missing = await readyAs('AgentGroup', 'prompted', 'False', 'InstructionsNotFound');
    expect(ready(missing)!.message).toContain('ConfigMap "prompts" not found');
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'prompts' }, data: { 'prompted.md': 'First version.' } },
    });
    await readyAs('AgentGroup', 'prompted', 'True');
    expect(getAgentGroup(db, 'prompted')!.instructions).toBe('First version.');
    await core.replaceNamespacedConfigMap({
      namespace: ns,
      name: 'prompts',
      body: { metadata: { name: 'prompts' }, data: { 'prompted.md': 'Second version.' } },
    });
    await eventually(() => getAgentGroup(db, 'prompted')!.instructions === 'Second version.');
  });

  it('applies examples/ with kubectl and makes every object Ready', async () => {
    cp.kubectl(['apply', '-n', ns, '-f', path.resolve(import.meta.dirname, '../../examples')]);
    for (const [kind, name] of EXAMPLE_OBJECTS) {
      await readyAs(kind, name, 'True', 'Projected');
    }
    expect(adminUserIdsFor(db, 'assistant')).toEqual(['telegram:12345', 'web:local']);
    const table = cp.kubectl(['get', 'ag,mg,ur', '-n', ns, '-o', 'wide']);
    expect(table).toMatch(/assistant\s+True\s+assistant\s+mock/);
    expect(table).toMatch(/web-main\s+True\s+web\s+main\s+strict\s+1/);
  });

  it('a resync with nothing changed writes no row, no status and no event', async () => {
    await op.resync(); // settle anything still in flight
    const rows = totalChanges(db);
    const stats = op.stats();
    const writes = () =>
      cp
        .auditEvents()
        .filter((e) => e.objectRef?.apiGroup === 'nanoclaw.dev' || e.objectRef?.resource === 'events').length;
    const audited = writes();
    await op.resync();
    await op.resync();
    expect(totalChanges(db) - rows).toBe(0);
    expect(op.stats().statusWrites - stats.statusWrites).toBe(0);
    expect(op.stats().requests.statusPatches - stats.requests.statusPatches).toBe(0);
    expect(op.stats().requests.events - stats.requests.events).toBe(0);
    expect(op.stats().resyncs - stats.resyncs).toBe(2);
    expect(op.stats().reconciles - stats.reconciles).toBeGreaterThanOrEqual(2 * 10); // every object, twice
    expect(writes() - audited).toBe(0);
  });

  it('a restarted operator with nothing to change writes no row, no status and no event', async () => {
    await op.resync();
    const rows = totalChanges(db);
    const writes = () =>
      cp
        .auditEvents()
        .filter((e) => e.objectRef?.apiGroup === 'nanoclaw.dev' || e.objectRef?.resource === 'events').length;
    const audited = writes();
    await op.stop();
    op = await startOperator();
    await eventually(() => op.ready(), 30_000);
    expect(op.stats()).toMatchObject({ resyncs: 1, statusWrites: 0, dbWrites: 0 });
    expect(op.stats().reconciles).toBeGreaterThan(10);
    expect(totalChanges(db) - rows).toBe(0);
    expect(writes() - audited).toBe(0);
  });

  it('owns status only: a GitOps field manager applying the spec is never fought over', async () => {
    const manifest = JSON.stringify(agentGroup('gitops', { displayName: 'From Git' }));
    const withNs = (m: string) => m.replace('"metadata":{', `"metadata":{"namespace":"${ns}",`);
    cp.kubectl(['apply', '--server-side', '--field-manager=argocd', '-f', '-'], withNs(manifest));
    const o = await readyAs('AgentGroup', 'gitops', 'True');
    const managers = (o.metadata.managedFields as { manager: string; subresource?: string }[]).map((m) =>
      [m.manager, m.subresource ?? ''].join(':'),
    );
    expect(managers.sort()).toEqual(['argocd:', 'nanoclaw-operator:status']);
    // Re-applying the same spec from Git conflicts with nothing and changes nothing.
    const out = cp.kubectl(['apply', '--server-side', '--field-manager=argocd', '-f', '-'], withNs(manifest));
    expect(out).toContain('serverside-applied');
    const after = await api.get(ns, 'AgentGroup', 'gitops');
    expect(after.metadata.generation).toBe(1);
    expect(ready(after)?.status).toBe('True');
  });
});
