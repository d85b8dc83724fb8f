/**
 * charts/nanoclaw rendered by the real helm: the Deployment (one replica, Recreate, two hardened containers on
 * one data volume, probes, downward API), its environment as the host's and the operator's own config schemas
 * read it, the Services and NetworkPolicies against the labels the host really puts on runner pods, and the
 * `helm test` pods.
 */
import type {
  V1Container,
  V1Deployment,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1NetworkPolicyPort,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperatorEnv } from '../../cli/operator.js';
import { loadConfig } from '../../host/config.js';
import { buildRunnerPod, installSelector } from '../../host/runtime/kubernetes/pod-spec.js';
import { containerEnv } from '../fixtures/helm/container-env.js';
import { all, find, render, type K8sObject } from '../fixtures/helm/render.js';

const NS = 'nanoclaw';
let objects: K8sObject[];
let deployment: V1Deployment;

function container(name: string, d = deployment): V1Container {
  const c = d.spec!.template.spec!.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

function envOf(c: V1Container, objs = objects): Record<string, string> {
  return containerEnv(c, objs, NS);
}

/** An ingress rule as it is rendered (client-node's type calls `from` `_from`). */
type IngressRule = { from?: V1NetworkPolicyPeer[]; ports?: V1NetworkPolicyPort[] };
const ingressOf = (p: V1NetworkPolicy) => (p.spec!.ingress ?? []) as unknown as IngressRule[];

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

beforeAll(() => {
  objects = render({ release: 'demo', namespace: NS });
  deployment = find<V1Deployment>(objects, 'Deployment');
}, 120_000);

describe('the nanoclaw Deployment', () => {
  it('runs one replica, recreated (never two pods on the central DB)', () => {
    expect(deployment.spec!.replicas).toBe(1);
    expect(deployment.spec!.strategy).toEqual({ type: 'Recreate' });
    expect(container('host').args).toEqual(['host']);
    expect(container('operator').args).toEqual(['operator']);
    expect(container('host').image).toBe('nanoclaw:0.1.0');
  });

  it('hardens the pod and both containers', () => {
    const pod = deployment.spec!.template.spec!;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    for (const c of pod.containers) {
      expect(c.securityContext, c.name).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources?.requests, c.name).toBeDefined();
      expect(c.resources?.limits?.memory, c.name).toBeDefined();
      const mounts = Object.fromEntries(c.volumeMounts!.map((m) => [m.mountPath, m.name]));
      expect(mounts['/data'], c.name).toBe('data');
      const tmp = pod.volumes!.find((v) => v.name === mounts['/tmp']);
      expect(tmp?.emptyDir, `${c.name} /tmp`).toBeDefined();
      expect(c.livenessProbe?.httpGet?.path, c.name).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path, c.name).toBe('/readyz');
    }
    expect(pod.volumes!.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(
      'demo-nanoclaw-data',
    );
  });

  it('gives the host an environment its own config schema accepts, for the Kubernetes runtime', () => {
    const config = loadConfig(envOf(container('host')));
    expect(config).toMatchObject({
      dataDir: '/data',
      port: 3000,
      bind: '0.0.0.0',
      runnerPort: 3001,
      runnerBind: '0.0.0.0',
      runtime: 'kubernetes',
      runnerHostUrl: `http://demo-nanoclaw-runner.${NS}.svc.cluster.local:3001`,
      watchNamespaces: [NS],
      idleTimeoutMs: 1_800_000,
      kubernetes: {
        namespace: NS,
        instance: 'demo',
        image: 'nanoclaw-runner:0.1.0',
        imagePullPolicy: 'IfNotPresent',
        pvcName: 'demo-nanoclaw-data',
        accessMode: 'ReadWriteOnce',
        nodeName: 'node-a',
        uid: 1000,
        gid: 1000,
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      },
    });
    expect(config.webToken).toMatch(/^[A-Za-z0-9]{32}$/);
    const downward = container('host').env!.filter((e) => e.valueFrom?.fieldRef);
    expect(Object.fromEntries(downward.map((e) => [e.name, e.valueFrom!.fieldRef!.fieldPath]))).toEqual({
      NANOCLAW_NAMESPACE: 'metadata.namespace',
      NODE_NAME: 'spec.nodeName',
    });
  });

  it('gives the operator an environment its config schema accepts, with probes reachable from the kubelet', () => {
    const env = OperatorEnv.parse(envOf(container('operator')));
    expect(env).toMatchObject({
      NANOCLAW_DATA_DIR: '/data',
      NANOCLAW_WATCH_NAMESPACES: NS,
      NANOCLAW_LEASE_NAME: 'demo-nanoclaw-operator',
      NANOCLAW_HEALTH_PORT: 8081,
      NANOCLAW_HEALTH_BIND: '0.0.0.0',
    });
    expect(container('operator').readinessProbe?.httpGet?.port).toBe('health');
    expect(container('operator').ports).toEqual([{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
  });

  it('takes non-default values: images, resources, timeouts, namespaces, base URL, time zone', () => {
    const objs = render({
      release: 'team',
      namespace: 'apps',
      values: {
        image: { repository: 'registry.example/nanoclaw', tag: '1.2.3', pullPolicy: 'Always' },
        runner: {
          image: { repository: 'registry.example/runner', tag: '1.2.3', pullPolicy: 'Always' },
          resources: { requests: { cpu: '250m' }, limits: { memory: '2Gi' } },
          idleTimeoutSeconds: 600,
        },
        watchNamespaces: ['apps', 'team-b'],
        anthropicBaseUrl: 'https://llm-gateway.example/anthropic',
        timezone: 'Europe/Berlin',
        logLevel: 'debug',
        persistence: { accessMode: 'ReadWriteMany', existingClaim: 'shared-data' },
        secret: { existingSecret: 'nanoclaw-keys' },
        host: { extraEnv: [{ name: 'EXTRA', value: 'x' }] },
        clusterDomain: 'corp.local',
      },
    });
    const d = find<V1Deployment>(objs, 'Deployment');
    const env = envOf(container('host', d), objs);
    const config = loadConfig({ ...env, NANOCLAW_WEB_TOKEN: 'from-the-existing-secret' });
    expect(config).toMatchObject({
      watchNamespaces: ['apps', 'team-b'],
      idleTimeoutMs: 600_000,
      anthropicBaseUrl: 'https://llm-gateway.example/anthropic',
      timezone: 'Europe/Berlin',
      logLevel: 'debug',
      runnerHostUrl: 'http://team-nanoclaw-runner.apps.svc.corp.local:3001',
      kubernetes: {
        image: 'registry.example/runner:1.2.3',
        imagePullPolicy: 'Always',
        pvcName: 'shared-data',
        accessMode: 'ReadWriteMany',
        resources: { requests: { cpu: '250m' }, limits: { memory: '2Gi' } },
      },
    });
    expect(env.EXTRA).toBe('x');
    expect(container('host', d).image).toBe('registry.example/nanoclaw:1.2.3');
    expect(container('host', d).envFrom).toEqual([{ secretRef: { name: 'nanoclaw-keys' } }]);
    expect(OperatorEnv.parse(envOf(container('operator', d), objs)).NANOCLAW_WATCH_NAMESPACES).toBe(
      'apps,team-b',
    );
  });
});

describe('Services and NetworkPolicies', () => {
  const config = () => loadConfig(envOf(container('host')));
  const runnerPod = (): V1Pod => {
    const k = config().kubernetes;
    return buildRunnerPod(
      {
        sessionId: 'sess-1',
        agentGroupId: 'assistant',
        folder: 'assistant',
        sessionSubPath: 'sessions/assistant/sess-1',
        agentSubPath: 'groups/assistant',
        globalSubPath: 'groups/global',
        env: {},
        extraEnv: [],
        specHash: 'x',
        issueToken: () => 't',
      },
      {
        ...k,
        nodeName: 'node-a',
        runAsUser: k.uid,
        runAsGroup: k.gid,
        fsGroup: k.gid,
        defaultResources: k.resources,
      },
    );
  };

  it('serve the web chat and the runner port, selecting the nanoclaw pod and never a runner pod', () => {
    const [web, runner] = ['demo-nanoclaw', 'demo-nanoclaw-runner'].map((n) =>
      find<V1Service>(objects, 'Service', n),
    );
    expect(web!.spec!.ports).toEqual([{ name: 'web', port: 3000, targetPort: 'web', protocol: 'TCP' }]);
    expect(runner!.spec!.ports).toEqual([
      { name: 'runner', port: 3001, targetPort: 'runner', protocol: 'TCP' },
    ]);
    const podLabels = deployment.spec!.template.metadata!.labels!;
    for (const svc of [web!, runner!]) {
      expect(matches(svc.spec!.selector!, podLabels)).toBe(true);
      expect(matches(svc.spec!.selector!, runnerPod().metadata!.labels)).toBe(false);
    }
    expect(new URL(config().runnerHostUrl!).hostname.split('.').slice(0, 2)).toEqual([
      runner!.metadata!.name,
      NS,
    ]);
  });

  it('let runner pods reach only the host runner port and DNS, and nothing reach them', () => {
    const policy = find<V1NetworkPolicy>(objects, 'NetworkPolicy', 'demo-nanoclaw-runners');
    const pod = runnerPod();
    expect(matches(policy.spec!.podSelector!.matchLabels!, pod.metadata!.labels)).toBe(true);
    expect(installSelector({ instance: 'demo' })).toBe(
      Object.entries(policy.spec!.podSelector!.matchLabels!)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
    expect(policy.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec!.ingress).toEqual([]);
    const [toHost, dns, ...rest] = policy.spec!.egress!;
    expect(rest).toEqual([]);
    expect(toHost!.ports).toEqual([{ port: 3001, protocol: 'TCP' }]);
    expect(toHost!.to).toHaveLength(1);
    expect(
      matches(toHost!.to![0]!.podSelector!.matchLabels!, deployment.spec!.template.metadata!.labels),
    ).toBe(true);
    expect(dns!.ports!.map((p) => `${p.port}/${p.protocol}`)).toEqual(['53/UDP', '53/TCP']);
    expect(dns!.to![0]).toMatchObject({ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } });
  });

  it('admit the runner port only from runner pods, and the web port from webFrom', () => {
    const policy = find<V1NetworkPolicy>(objects, 'NetworkPolicy', 'demo-nanoclaw-host');
    expect(matches(policy.spec!.podSelector!.matchLabels!, deployment.spec!.template.metadata!.labels)).toBe(
      true,
    );
    const rules = ingressOf(policy);
    const runnerRule = rules.find((r) => r.ports?.some((p) => p.port === 3001))!;
    expect(runnerRule.ports).toEqual([{ port: 3001, protocol: 'TCP' }]);
    expect(runnerRule.from).toHaveLength(1);
    expect(matches(runnerRule.from![0]!.podSelector!.matchLabels!, runnerPod().metadata!.labels)).toBe(true);
    expect(rules.filter((r) => r !== runnerRule).flatMap((r) => r.ports!.map((p) => p.port))).toEqual([3000]);
    const restricted = render({
      values: { networkPolicy: { webFrom: [{ podSelector: { matchLabels: { a: 'b' } } }] } },
    });
    const web = ingressOf(find<V1NetworkPolicy>(restricted, 'NetworkPolicy', 'demo-nanoclaw-host'))[1]!;
    expect(web.from).toEqual([{ podSelector: { matchLabels: { a: 'b' } } }]);
    expect(all(render({ set: ['networkPolicy.enabled=false'] }), 'NetworkPolicy')).toEqual([]);
  });
});

describe('helm test pods', () => {
  const hooks = (objs: K8sObject[]) =>
    all<V1Pod>(objs, 'Pod').filter((p) => p.metadata?.annotations?.['helm.sh/hook'] === 'test');

  it('write on the data volume from one pod and read it back from a second one, in that order', () => {
    const [writer, reader] = hooks(objects).sort((a, b) =>
      a.metadata!.annotations!['helm.sh/hook-weight']!.localeCompare(
        b.metadata!.annotations!['helm.sh/hook-weight']!,
      ),
    );
    expect(writer!.metadata!.name).toBe('demo-nanoclaw-storage-write');
    expect(reader!.metadata!.name).toBe('demo-nanoclaw-storage-read');
    const nonce = (p: V1Pod) => p.spec!.containers[0]!.env!.find((e) => e.name === 'NONCE')!.value;
    expect(nonce(writer!)).toMatch(/^[A-Za-z0-9]{16}-r1$/);
    expect(nonce(reader!)).toBe(nonce(writer!));
    for (const p of [writer!, reader!]) {
      expect(p.spec!.restartPolicy).toBe('Never');
      expect(p.spec!.automountServiceAccountToken).toBe(false);
      expect(p.spec!.volumes![0]!.persistentVolumeClaim!.claimName).toBe('demo-nanoclaw-data');
      expect(p.spec!.containers[0]!.command).toEqual(['node']);
      expect(p.spec!.containers[0]!.securityContext!.readOnlyRootFilesystem).toBe(true);
      // ReadWriteOnce: on the nanoclaw pod's node, the only one that can mount the volume.
      const term = p.spec!.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!;
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(matches(term.labelSelector!.matchLabels!, deployment.spec!.template.metadata!.labels)).toBe(
        true,
      );
      expect(matches(deployment.spec!.selector.matchLabels!, p.metadata!.labels)).toBe(false);
    }
  });

  it('float freely with ReadWriteMany and vanish with tests.enabled=false', () => {
    const rwx = hooks(render({ set: ['persistence.accessMode=ReadWriteMany'] }));
    expect(rwx).toHaveLength(2);
    for (const p of rwx) expect(p.spec!.affinity).toBeUndefined();
    expect(hooks(render({ set: ['tests.enabled=false'] }))).toEqual([]);
  });
});
