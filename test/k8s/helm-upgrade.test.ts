/**
 * Upgrades and uninstall keep what users cannot afford to lose: the data PVC (the same object, so the same
 * volume) and every AgentGroup/MessagingGroup/UserRole (so also their CRDs). There is no earlier released chart
 * yet, so the "previous version" is this chart as committed (0.1.0) and the upgrade goes to a copy with a bumped
 * version and changed values; then to crds.install=false; then uninstall and a reinstall that adopts the kept
 * objects. Nothing runs the pods (no controller manager): this is about the objects Helm manages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { repoRoot } from '../../hack/repo-root.js';
import { CHART_DIR, helm, parseObjects } from '../fixtures/helm/render.js';
import { EXAMPLE_OBJECTS, objects } from './support.js';

const RELEASE = 'keeper';
const FULL = 'keeper-nanoclaw';
const CRDS = ['agentgroups.nanoclaw.dev', 'messaginggroups.nanoclaw.dev', 'userroles.nanoclaw.dev'];
const CRS = EXAMPLE_OBJECTS;

let cp: ControlPlane;
let admin: KubeConfig;
let ns: string;
let tmp: string;
let bumped: string;
let before: Snapshot;

interface Snapshot {
  /** `deleting`: marked for deletion (the pvc-protection finalizer keeps a deleted claim around here). */
  pvc: { uid: string; spec: unknown; deleting: boolean };
  crds: Record<string, string>;
  crs: Record<string, { uid: string; generation: number; spec: unknown }>;
  token: string | undefined;
}

const run = (args: string[]) => {
  const res = helm([...args, '--kubeconfig', cp.kubeconfigPath, '--namespace', ns]);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout;
};

/** uid of a live object, with a mark when it is being deleted. */
function uidOf(kind: string, name: string): string {
  return cp.kubectl([
    'get',
    kind,
    name,
    '-n',
    ns,
    '-o',
    'jsonpath={.metadata.uid}{.metadata.deletionTimestamp}',
  ]);
}

async function snapshot(): Promise<Snapshot> {
  const core = admin.makeApiClient(CoreV1Api);
  const pvc = await core.readNamespacedPersistentVolumeClaim({ name: `${FULL}-data`, namespace: ns });
  const api = objects(admin);
  const crs: Snapshot['crs'] = {};
  for (const [kind, name] of CRS) {
    const o = await api.get(ns, kind, name);
    crs[`${kind}/${name}`] = { uid: o.metadata.uid, generation: o.metadata.generation, spec: o.spec };
  }
  let token: string | undefined;
  try {
    const s = await core.readNamespacedSecret({ name: FULL, namespace: ns });
    token = s.data?.NANOCLAW_WEB_TOKEN;
  } catch {
    token = undefined;
  }
  return {
    pvc: { uid: pvc.metadata!.uid!, spec: pvc.spec, deleting: Boolean(pvc.metadata!.deletionTimestamp) },
    crds: Object.fromEntries(CRDS.map((c) => [c, uidOf('crd', c)])),
    crs,
    token,
  };
}

function history(): { revision: number; chart: string; status: string }[] {
  return JSON.parse(run(['history', RELEASE, '-o', 'json'])) as {
    revision: number;
    chart: string;
    status: string;
  }[];
}

async function hostEnv(name: string): Promise<string | undefined> {
  const d = await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: FULL, namespace: ns });
  return d.spec!.template.spec!.containers.find((c) => c.name === 'host')!.env!.find((e) => e.name === name)
    ?.value;
}

beforeAll(async () => {
  cp = await ControlPlane.start({ crdsDir: null });
  admin = cp.kubeConfig();
  ns = await cp.createNamespace('upgrade');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-helm-upgrade-'));
  bumped = path.join(tmp, 'nanoclaw');
  fs.cpSync(CHART_DIR, bumped, { recursive: true });
  const chartYaml = path.join(bumped, 'Chart.yaml');
  const text = fs.readFileSync(chartYaml, 'utf8');
  expect(text).toMatch(/^version: 0\.1\.0$/m);
  fs.writeFileSync(chartYaml, text.replace(/^version: 0\.1\.0$/m, 'version: 0.1.1'));
});

afterAll(async () => {
  await cp?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('helm upgrade', () => {
  it('from 0.1.0 to a bumped chart with changed values keeps the PVC, the CRDs, the CRs and the token', async () => {
    run(['install', RELEASE, CHART_DIR]);
    cp.kubectl(['apply', '-n', ns, '-f', path.join(repoRoot(), 'examples')]);
    before = await snapshot();
    expect(before.token).toBeDefined();
    expect(before.pvc.deleting).toBe(false);
    for (const uid of Object.values(before.crds)) expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await hostEnv('NANOCLAW_IDLE_TIMEOUT_SECONDS')).toBe('1800');

    run([
      'upgrade',
      RELEASE,
      bumped,
      '--set',
      'runner.idleTimeoutSeconds=600,logLevel=debug,host.resources.limits.memory=2Gi',
    ]);
    expect(history().map((h) => [h.revision, h.chart, h.status])).toEqual([
      [1, 'nanoclaw-0.1.0', 'superseded'],
      [2, 'nanoclaw-0.1.1', 'deployed'],
    ]);
    expect(await hostEnv('NANOCLAW_IDLE_TIMEOUT_SECONDS')).toBe('600');
    expect(await hostEnv('LOG_LEVEL')).toBe('debug');
    const after = await snapshot();
    expect(after.pvc).toMatchObject({ uid: before.pvc.uid, deleting: false });
    expect(after.crds).toEqual(before.crds);
    expect(after.crs).toEqual(before.crs);
    expect(after.token).toBe(before.token);
    expect(before.pvc.spec).toMatchObject({ resources: { requests: { storage: '10Gi' } } });
  });

  it('to crds.install=false leaves the CRDs and every custom resource in place (keep policy)', async () => {
    run(['upgrade', RELEASE, bumped, '--reuse-values', '--set', 'crds.install=false']);
    const manifest = parseObjects(run(['get', 'manifest', RELEASE]));
    expect(manifest.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    const after = await snapshot();
    expect(after.crds).toEqual(before.crds);
    expect(after.crs).toEqual(before.crs);
    expect(after.pvc).toMatchObject({ uid: before.pvc.uid, deleting: false });
  });
});

describe('helm uninstall', () => {
  it('removes the workload but keeps the PVC, the CRDs and the CRs; a reinstall adopts them', async () => {
    run(['uninstall', RELEASE]);
    expect(() => cp.kubectl(['get', 'deployment', FULL, '-n', ns])).toThrow(/NotFound/);
    const kept = await snapshot();
    expect(kept.pvc).toMatchObject({ uid: before.pvc.uid, deleting: false });
    expect(kept.crds).toEqual(before.crds);
    expect(kept.crs).toEqual(before.crs);
    expect(kept.token).toBeUndefined();

    run(['install', RELEASE, bumped]);
    const again = await snapshot();
    expect(again.pvc).toMatchObject({ uid: before.pvc.uid, deleting: false });
    expect(again.crds).toEqual(before.crds);
    expect(again.crs).toEqual(before.crs);
    expect(await hostEnv('NANOCLAW_DATA_PVC')).toBe(`${FULL}-data`);
  });
});
