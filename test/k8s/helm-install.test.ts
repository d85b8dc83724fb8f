/**
 * `helm install` into a real kube-apiserver, then the real operator and host run with the chart's own
 * ServiceAccount token (TokenRequest) and the exact environment the chart gives their containers (read back from
 * the installed Deployment). They reconcile examples/ and answer a web chat message through a runner pod run by
 * the test kubelet, which proves the Role is sufficient; calls the chart does not grant are refused. `helm test`
 * runs its two pods on the test kubelet against the same data directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeSecrets } from '../../host/mcp/kube-secrets.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { freePort, startProcess, stopProcess, type Managed } from '../fixtures/kube/processes.js';
import { liveContainer, liveContainerEnv } from '../fixtures/helm/live-env.js';
import { CHART_DIR, helm, helmAsync, parseObjects, template } from '../fixtures/helm/render.js';
import { serviceAccountKubeconfig } from '../fixtures/helm/service-account.js';
import { TestKubelet } from '../fixtures/test-kubelet/kubelet.js';
import { CLI, REPO, startHostProcess, type HostProcess } from '../support/host-process.js';
import { WEB_ROUTES } from '../../host/channels/web/web-api.js';
import { post } from '../support/web-client.js';
import { replyOn } from '../support/web-events.js';
import { apiStatus, EXAMPLE_OBJECTS, eventually, objects, ready } from './support.js';

const RELEASE = 'e2e';
const FULL = 'e2e-nanoclaw';
const NODE = 'test-node';
let cp: ControlPlane;
let admin: KubeConfig;
let ns: string;
let other: string;
let tmp: string;
let dataDir: string;
let kubelet: TestKubelet;
let operator: Managed | undefined;
let operatorHealth: number;
let host: HostProcess | undefined;
let sa: KubeConfig;
let installOutput: string;

const kube = (args: string[]) => helm([...args, '--kubeconfig', cp.kubeconfigPath, '--namespace', ns]);
const logsOf = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

beforeAll(async () => {
  cp = await ControlPlane.start({ crdsDir: null });
  admin = cp.kubeConfig();
  ns = await cp.createNamespace('helm');
  other = await cp.createNamespace('other');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-helm-e2e-'));
  dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  fs.chmodSync(tmp, 0o755);
  fs.chmodSync(dataDir, 0o755);
  const res = kube([
    'install',
    RELEASE,
    CHART_DIR,
    '--set',
    'image.repository=example.invalid/nanoclaw,runner.image.repository=example.invalid/nanoclaw-runner',
    '--set',
    'rbac.mcpSecrets={mcp-creds}',
  ]);
  expect(res.code, res.stderr).toBe(0);
  installOutput = res.stdout;
  fs.mkdirSync(path.join(tmp, 'kubelet'), { mode: 0o755 });
  kubelet = new TestKubelet({
    kc: admin,
    nodeName: NODE,
    namespaces: [ns],
    claims: { [`${FULL}-data`]: dataDir },
    imagePaths: { '/app': REPO },
    workDir: path.join(tmp, 'kubelet'),
    ...(process.env.DEBUG_HELM_TEST ? { log: (l: string) => console.log(l) } : {}),
  });
  await kubelet.start();
});

afterAll(async () => {
  await host?.stop();
  if (operator) await stopProcess(operator);
  await kubelet?.stop();
  await cp?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('helm install', () => {
  it('puts every object of the release on the API server and prints the next steps', () => {
    const manifest = parseObjects(kube(['get', 'manifest', RELEASE]).stdout);
    const kinds =
      'CustomResourceDefinition*3 Deployment NetworkPolicy*2 PersistentVolumeClaim Role RoleBinding Secret Service*2 ServiceAccount ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding';
    expect(manifest.map((o) => o.kind).sort()).toEqual(
      kinds.split(' ').flatMap((k) => Array<string>(Number(k.split('*')[1] ?? 1)).fill(k.split('*')[0]!)),
    );
    const live = cp.kubectl(
      ['get', '-f', '-', '-o', 'name'],
      JSON.stringify({ kind: 'List', apiVersion: 'v1', items: manifest }),
    );
    expect(live.trim().split('\n')).toHaveLength(manifest.length);
    cp.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd',
      '-l',
      'app.kubernetes.io/part-of=nanoclaw',
    ]);
    expect(installOutput).toContain(`kubectl -n ${ns} rollout status deployment/${FULL}`);
    expect(installOutput).toContain(`kubectl -n ${ns} apply -f examples/`);
    expect(installOutput).toContain(`kubectl -n ${ns} port-forward service/${FULL} 3000:3000`);
    expect(installOutput).toContain(`helm test ${RELEASE} -n ${ns}`);
  });

  it('refuses a storage class whose provisioner is NFS, found by looking the class up', () => {
    cp.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'team-share' },
        provisioner: 'nfs.csi.k8s.io',
      }),
    );
    const res = kube([
      'install',
      'nfs',
      CHART_DIR,
      '--set',
      'persistence.storageClass=team-share,crds.install=false',
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(
      'storage class "team-share" uses provisioner "nfs.csi.k8s.io", a network filesystem (NFS)',
    );
    expect(kube(['status', 'nfs']).code).not.toBe(0);
    // The same class as the cluster default is found when no class is named; the override lets it through.
    const isDefault = 'storageclass.kubernetes.io/is-default-class';
    cp.kubectl(['annotate', 'storageclass', 'team-share', `${isDefault}=true`]);
    const byDefault = kube(['install', 'nfs', CHART_DIR, '--dry-run=server', '--set', 'crds.install=false']);
    expect(byDefault.stderr).toContain('storage class "team-share" uses provisioner "nfs.csi.k8s.io"');
    const allowed = ['--set', 'crds.install=false,persistence.allowNetworkFilesystem=true'];
    expect(kube(['install', 'nfs', CHART_DIR, '--dry-run=server', ...allowed]).code).toBe(0);
    cp.kubectl(['annotate', 'storageclass', 'team-share', `${isDefault}-`]);
  });
});

describe('the host and the operator, with the chart ServiceAccount', () => {
  it('reconcile examples/ to Ready', async () => {
    const file = path.join(tmp, 'sa.kubeconfig');
    sa = (await serviceAccountKubeconfig(admin, ns, FULL, file)).kubeConfig;
    operatorHealth = await freePort();
    const opEnv = await liveContainerEnv(admin, ns, FULL, 'operator', { 'metadata.name': `${FULL}-pod` });
    // The chart runs `node --optimize-for-size /app/dist/cli/main.js operator`; /app is this checkout.
    const op = await liveContainer(admin, ns, FULL, 'operator');
    expect(op.command).toEqual(['node', '--optimize-for-size', '/app/dist/cli/main.js']);
    expect(op.args).toEqual(['operator']);
    const opArgv = [...op.command!.slice(1, -1), CLI, ...op.args!];
    operator = startProcess('operator', process.execPath, opArgv, path.join(tmp, 'operator.log'), {
      PATH: process.env.PATH,
      ...opEnv,
      KUBECONFIG: file,
      NANOCLAW_DATA_DIR: dataDir,
      NANOCLAW_HEALTH_PORT: String(operatorHealth),
      NANOCLAW_HEALTH_BIND: '127.0.0.1',
    });
    const hostEnv = await liveContainerEnv(admin, ns, FULL, 'host', {
      'metadata.namespace': ns,
      'spec.nodeName': NODE,
    });
    const runnerPort = await freePort();
    expect((await liveContainer(admin, ns, FULL, 'host')).args).toEqual(['host']);
    host = await startHostProcess({
      verb: 'host',
      dataDir,
      env: {
        ...hostEnv,
        KUBECONFIG: file,
        NANOCLAW_DATA_DIR: dataDir,
        NANOCLAW_PORT: '0',
        NANOCLAW_BIND: '127.0.0.1',
        NANOCLAW_RUNNER_PORT: String(runnerPort),
        NANOCLAW_RUNNER_BIND: '127.0.0.1',
        NANOCLAW_RUNNER_HOST_URL: `http://127.0.0.1:${runnerPort}`,
      },
    });
    cp.kubectl(['apply', '-n', ns, '-f', path.join(REPO, 'examples')]);
    const api = objects(admin);
    for (const [kind, name] of EXAMPLE_OBJECTS) {
      await eventually(
        async () => ready(await api.get(ns, kind, name))?.status === 'True',
        30_000,
        200,
      ).catch((err: unknown) => {
        const tail = fs.readFileSync(operator!.logFile, 'utf8').split('\n').slice(-20).join('\n');
        const state = operator!.child.exitCode === null ? 'running' : `exited ${operator!.child.exitCode}`;
        throw new Error(`${kind} ${name} not Ready: ${(err as Error).message}\noperator ${state}:\n${tail}`);
      });
    }
    expect((await fetch(`http://127.0.0.1:${operatorHealth}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${operatorHealth}/metrics`)).text();
    expect(metrics).toMatch(/^nanoclaw_operator_reconciles_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^nanoclaw_operator_not_ready\{kind="AgentGroup"\} 0$/m);
  });

  it('answer a web chat message through a runner pod, behind the chart token', async () => {
    const token = (
      await liveContainerEnv(admin, ns, FULL, 'host', { 'metadata.namespace': ns, 'spec.nodeName': NODE })
    ).NANOCLAW_WEB_TOKEN!;
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    const anonymous = await fetch(new URL(WEB_ROUTES.messages, host!.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'no token', chat: 'main' }),
    });
    expect(anonymous.status).toBe(401);
    const auth = { authorization: `Bearer ${token}` };
    await replyOn(host!.url, token, 'main', 'Mock response to: hello from helm', async () => {
      expect(
        (await post(host!.url, '/api/messages', { text: 'hello from helm', chat: 'main' }, auth)).status,
      ).toBe(202);
    });
    const pods = await admin
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/name=nanoclaw-runner' });
    const pod: V1Pod = pods.items[0]!;
    expect(pod.metadata!.labels!['app.kubernetes.io/instance']).toBe(RELEASE);
    expect(pod.spec!.volumes!.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName).toBe(
      `${FULL}-data`,
    );
    const policy = await admin
      .makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: `${FULL}-runners`, namespace: ns });
    for (const [k, v] of Object.entries(policy.spec!.podSelector!.matchLabels!))
      expect(pod.metadata!.labels![k]).toBe(v);
  });

  it('record Events and hold the Lease with what the Role grants, and never hit a 403', async () => {
    cp.kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'nanoclaw.dev/v1alpha1',
        kind: 'MessagingGroup',
        metadata: { name: 'orphan' },
        spec: { channel: 'web', platformId: 'orphan', agents: [{ agentGroup: 'missing' }] },
      }),
    );
    await eventually(
      async () => ready(await objects(admin).get(ns, 'MessagingGroup', 'orphan'))?.status === 'False',
      30_000,
      200,
    );
    const warnings = await eventually(
      async () => {
        const list = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
        const hits = list.items.filter((e) => e.involvedObject.name === 'orphan' && e.type === 'Warning');
        return hits.length > 0 ? hits : undefined;
      },
      30_000,
      200,
    );
    for (const e of warnings) expect(e.reportingComponent).toBe('nanoclaw-operator');
    const lease = await admin
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: `${FULL}-operator`, namespace: ns });
    expect(lease.spec?.holderIdentity).toBe(`${FULL}-pod`);
    const logs = logsOf(path.join(tmp, 'operator.log')) + host!.output.join('\n');
    expect(logs).not.toMatch(/HTTP 403|forbidden/i);
  });

  it('cannot do what the chart does not grant', async () => {
    const core = sa.makeApiClient(CoreV1Api);
    const custom = sa.makeApiClient(CustomObjectsApi);
    const createAgentGroup = (namespace: string, dryRun?: string) =>
      custom.createNamespacedCustomObject({
        group: 'nanoclaw.dev',
        version: 'v1alpha1',
        namespace,
        plural: 'agentgroups',
        body: {
          apiVersion: 'nanoclaw.dev/v1alpha1',
          kind: 'AgentGroup',
          metadata: { name: 'sneaky' },
          spec: {},
        },
        ...(dryRun ? { dryRun } : {}),
      });
    const denied = {
      'list secrets cluster-wide': () => core.listSecretForAllNamespaces(),
      'read a secret in its namespace': () => core.readNamespacedSecret({ name: FULL, namespace: ns }),
      'list secrets in its namespace': () => core.listNamespacedSecret({ namespace: ns }),
      'create a pod elsewhere': () =>
        core.createNamespacedPod({
          namespace: other,
          body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'x' }] } },
        }),
      'list pods elsewhere': () => core.listNamespacedPod({ namespace: other }),
      'list nodes': () => core.listNode(),
      'create an AgentGroup in a namespace it does not watch': () => createAgentGroup(other),
      'delete an AgentGroup in a namespace it does not watch': () =>
        custom.deleteNamespacedCustomObject({
          group: 'nanoclaw.dev',
          version: 'v1alpha1',
          namespace: other,
          plural: 'agentgroups',
          name: 'assistant',
        }),
      'read another Lease': () =>
        sa.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'someone-else', namespace: ns }),
      'delete its Deployment': () =>
        sa.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: FULL, namespace: ns }),
      'read ConfigMaps elsewhere': () => core.listNamespacedConfigMap({ namespace: other }),
      'read a Secret not named in rbac.mcpSecrets': () =>
        core.readNamespacedSecret({ name: 'other-creds', namespace: ns }),
    };
    for (const [what, call] of Object.entries(denied)) expect(await apiStatus(call), what).toBe(403);
    // …while what it needs is allowed (the same client, so a 403 above is the Role, not the token): its pods,
    // and writing custom resources where it watches (the admin CLI in the host container; a dry run).
    expect(await apiStatus(() => core.listNamespacedPod({ namespace: ns }))).toBe(200);
    expect(await apiStatus(() => createAgentGroup(ns, 'All'))).not.toBe(403);
  });

  it('reads the Secrets named in rbac.mcpSecrets for remote MCP headers, and says why it cannot read others', async () => {
    const core = admin.makeApiClient(CoreV1Api);
    for (const name of ['mcp-creds', 'other-creds'])
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name }, stringData: { 'api-key': `${name}-value` } },
      });
    const secrets = kubeSecrets(sa);
    expect(await secrets.read(ns, 'mcp-creds', 'api-key')).toBe('mcp-creds-value');
    await expect(secrets.read(ns, 'mcp-creds', 'nope')).rejects.toThrow(
      `Secret "mcp-creds" in namespace "${ns}" has no key "nope"`,
    );
    await expect(secrets.read(ns, 'other-creds', 'api-key')).rejects.toThrow(
      `the host may not read Secret "other-creds" in namespace "${ns}" (RBAC: get secrets)`,
    );
    await core.deleteNamespacedSecret({ name: 'mcp-creds', namespace: ns });
    await expect(secrets.read(ns, 'mcp-creds', 'api-key')).rejects.toThrow(
      `Secret "mcp-creds" in namespace "${ns}" not found`,
    );
  });
});

describe('helm test and shutdown', () => {
  it('passes: a write from one pod is read back by another through the data volume', async () => {
    const res = await helmAsync([
      'test',
      RELEASE,
      '--timeout',
      '90s',
      '--kubeconfig',
      cp.kubeconfigPath,
      '-n',
      ns,
    ]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(`TEST SUITE:\\s+${FULL}-storage-write[\\s\\S]*Phase:\\s+Succeeded`),
    );
    expect(res.stdout).toMatch(new RegExp(`TEST SUITE:\\s+${FULL}-storage-read[\\s\\S]*Phase:\\s+Succeeded`));
    // The writer wrote into this very directory; the reader removed its DB after reading it.
    expect(fs.existsSync(path.join(dataDir, '.helm-test'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, '.helm-test', 'storage-check.db'))).toBe(false);
  });

  it('fails when the second pod does not see the write', async () => {
    const reader = parseObjects(template({ release: RELEASE, namespace: ns, set: [] }).stdout).find(
      (o) => o.metadata.name === `${FULL}-storage-read`,
    )!;
    reader.metadata.name = 'lonely-reader';
    cp.kubectl(['apply', '-f', '-'], JSON.stringify(reader));
    const core = admin.makeApiClient(CoreV1Api);
    const phase = await eventually(
      async () => {
        const p = (await core.readNamespacedPod({ name: 'lonely-reader', namespace: ns })).status?.phase;
        return (p === 'Failed' || p === 'Succeeded') && p;
      },
      30_000,
      200,
    );
    expect(phase).toBe('Failed');
  });

  it('stops on SIGTERM: the operator releases its Lease and both exit 0', async () => {
    operator!.child.kill('SIGTERM');
    expect(await operator!.exited).toBe(0);
    operator = undefined;
    const lease = await admin
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: `${FULL}-operator`, namespace: ns });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    expect(await host!.stop()).toBe(0);
    host = undefined;
  });
});
