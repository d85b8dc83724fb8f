/**
 * The chart's rendered manifests (default and non-default values) checked two ways against Kubernetes 1.34:
 * kubeconform with schemas made offline from a real kube-apiserver's /openapi/v2 and from the CRDs (examples/
 * too), and the real API server itself (`kubectl apply --dry-run=server --validate=strict`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { repoRoot } from '../../hack/repo-root.js';
import {
  writeBuiltinSchemas,
  writeCrdSchemas,
  type OpenApiV2,
} from '../fixtures/helm/kubeconform-schemas.js';
import { parseObjects, template } from '../fixtures/helm/render.js';
import { toolPath } from '../fixtures/helm/tools.js';

const root = repoRoot();
let cp: ControlPlane;
let schemaDir: string;
let ns: string;

const VALUE_SETS: Record<string, Record<string, unknown>> = {
  default: {},
  custom: {
    image: { repository: 'registry.example/nanoclaw', tag: '1.0.0', pullPolicy: 'Always' },
    runner: { resources: { requests: { cpu: '250m' }, limits: { memory: '2Gi' } }, idleTimeoutSeconds: 600 },
    watchNamespaces: ['placeholder', 'team-b'],
    persistence: { accessMode: 'ReadWriteMany', storageClass: 'fast', size: '1Gi', annotations: { a: 'b' } },
    secret: { existingSecret: 'keys' },
    crds: { keep: false },
    web: { service: { type: 'NodePort', port: 8080, annotations: { x: 'y' } } },
    serviceAccount: { annotations: { 'iam.example/role': 'r' } },
    networkPolicy: { webFrom: [{ namespaceSelector: { matchLabels: { ingress: 'yes' } } }] },
    host: { extraEnv: [{ name: 'EXTRA', value: '1' }], resources: { requests: { cpu: 1 } } },
    imagePullSecrets: [{ name: 'pull' }],
    podAnnotations: { p: 'q' },
    podLabels: { team: 'b' },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ai', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    timezone: 'Europe/Berlin',
    anthropicBaseUrl: 'https://gateway.example/anthropic',
    backup: { enabled: true, schedule: '0 2 * * *', timeZone: 'Europe/Berlin', keep: 3 },
  },
};

function rendered(set: string): string {
  const values = structuredClone(VALUE_SETS[set]!);
  if (Array.isArray(values.watchNamespaces)) values.watchNamespaces = [ns, 'team-b'];
  const res = template({ release: `v-${set}`, namespace: ns, values });
  if (res.code !== 0) throw new Error(res.stderr);
  return res.stdout;
}

function kubeconform(input: string): { code: number; summary: Record<string, number>; output: string } {
  const res = spawnSync(
    toolPath('kubeconform'),
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      `${schemaDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-',
    ],
    { input, encoding: 'utf8' },
  );
  const json = JSON.parse(res.stdout) as { summary: Record<string, number> };
  return { code: res.status ?? -1, summary: json.summary, output: res.stdout };
}

beforeAll(async () => {
  cp = await ControlPlane.start({ crdsDir: null });
  ns = await cp.createNamespace('validate');
  cp.kubectl(['create', 'namespace', 'team-b']);
  schemaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-schemas-'));
  const openapi = await cp.get('/openapi/v2');
  expect(openapi.status).toBe(200);
  expect(writeBuiltinSchemas(JSON.parse(openapi.body) as OpenApiV2, schemaDir)).toBeGreaterThan(100);
  expect(writeCrdSchemas(path.join(root, 'crds'), schemaDir)).toHaveLength(3);
});

afterAll(async () => {
  await cp?.stop();
  if (schemaDir) fs.rmSync(schemaDir, { recursive: true, force: true });
});

describe('kubeconform with schemas from the API server and the CRDs', () => {
  it.each(Object.keys(VALUE_SETS))('accepts every object of the %s rendering, none skipped', (set) => {
    const yaml = rendered(set);
    const count = parseObjects(yaml).length;
    const r = kubeconform(yaml);
    expect(r.code, r.output).toBe(0);
    expect(r.summary).toMatchObject({ valid: count, invalid: 0, errors: 0, skipped: 0 });
  });

  it('accepts examples/ against the CRD schemas', () => {
    const input = fs
      .readdirSync(path.join(root, 'examples'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => fs.readFileSync(path.join(root, 'examples', f), 'utf8'))
      .join('\n---\n');
    const r = kubeconform(input);
    expect(r.code, r.output).toBe(0);
    expect(r.summary).toMatchObject({ valid: 5, invalid: 0, errors: 0, skipped: 0 });
  });

  it('has schemas that refuse wrong types and unknown fields', () => {
    const deployment = parseObjects(rendered('default')).find((o) => o.kind === 'Deployment')!;
    const broken = structuredClone(deployment) as typeof deployment & { spec: Record<string, unknown> };
    broken.spec.replicas = 'one';
    broken.spec.strategy = { type: 'Recreate', recreate: {}, surprise: true };
    const r = kubeconform(JSON.stringify(broken));
    expect(r.summary).toMatchObject({ invalid: 1 });
    expect(r.output).toContain('replicas');
    expect(r.output).toContain('surprise');
    const role = {
      apiVersion: 'nanoclaw.dev/v1alpha1',
      kind: 'UserRole',
      metadata: { name: 'x' },
      spec: { user: 'web:x', role: 'owner', typo: 1 },
    };
    expect(kubeconform(JSON.stringify(role)).summary).toMatchObject({ invalid: 1 });
  });
});

describe('the real API server', () => {
  it.each(Object.keys(VALUE_SETS))(
    'accepts the %s rendering (server-side dry run, strict field validation)',
    (set) => {
      const out = cp.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], rendered(set));
      const lines = out.trim().split('\n');
      expect(lines.length).toBe(parseObjects(rendered(set)).length);
      for (const l of lines) expect(l).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    },
  );
});
