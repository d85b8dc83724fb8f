/**
 * The test kubelet against a real API server: it registers a Node, binds and runs pods as local processes with
 * their env and volumes (subPath and readOnly honoured), reports status, restarts per policy, and stops a process
 * when its pod is deleted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { TestKubelet } from '../fixtures/test-kubelet/kubelet.js';
import { traversableByOthers } from '../fixtures/test-kubelet/pod-process.js';

let cp: ControlPlane;
let core: CoreV1Api;
let kubelet: TestKubelet;
let ns: string;
let data: string;

function pod(name: string, script: string, over: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      containers: [
        {
          name: 'main',
          image: 'test',
          command: ['node', '-e', script],
          workingDir: '/workspace',
          env: [
            { name: 'PLAIN', value: 'plain-value' },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
            { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'OUT', value: '/workspace/out.txt' },
          ],
          volumeMounts: [
            { name: 'data', mountPath: '/workspace', subPath: `sessions/${name}` },
            { name: 'data', mountPath: '/workspace/global', subPath: 'global', readOnly: true },
          ],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      ...over,
    },
  };
}

async function phase(name: string, want: string[], timeoutMs = 60_000): Promise<V1Pod> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const p = await core.readNamespacedPod({ name, namespace: ns });
    if (want.includes(p.status?.phase ?? '')) return p;
    if (Date.now() > end) throw new Error(`pod ${name} is ${p.status?.phase}, wanted ${want.join('/')}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  cp = await ControlPlane.start({ crdsDir: null });
  core = cp.kubeConfig().makeApiClient(CoreV1Api);
  ns = await cp.createNamespace('kubelet');
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-kubelet-data-'));
  fs.chmodSync(data, 0o755);
  fs.mkdirSync(path.join(data, 'global'));
  fs.writeFileSync(path.join(data, 'global', 'shared.txt'), 'shared');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-kubelet-work-'));
  fs.chmodSync(work, 0o755);
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'creds' }, stringData: { token: 's3cret' } },
  });
  kubelet = new TestKubelet({
    kc: cp.kubeConfig(),
    nodeName: 'test-node',
    namespaces: [ns],
    claims: { data },
    imagePaths: {},
    workDir: work,
  });
  await kubelet.start();
});

afterAll(async () => {
  await kubelet?.stop();
  await cp?.stop();
  if (data) fs.rmSync(data, { recursive: true, force: true });
});

describe('test kubelet', () => {
  it('registers a Ready node', async () => {
    const node = await core.readNode({ name: 'test-node' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('runs a pod with its env and volumes and reports Succeeded', async () => {
    const script = `
      const fs = require('fs');
      fs.writeFileSync(process.env.OUT, [process.env.PLAIN, process.env.FROM_SECRET, process.env.MY_NAME,
        fs.readFileSync('/workspace/global/shared.txt'.replace('/workspace', process.cwd()), 'utf8')].join(','));
      let ro = 'writable';
      try { fs.writeFileSync(process.cwd() + '/global/evil.txt', 'x'); } catch (e) { ro = e.code; }
      fs.appendFileSync(process.env.OUT, ',' + ro);`;
    await core.createNamespacedPod({ namespace: ns, body: pod('writer', script) });
    const done = await phase('writer', ['Succeeded', 'Failed']);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.spec?.nodeName).toBe('test-node');
    const out = fs.readFileSync(path.join(data, 'sessions', 'writer', 'out.txt'), 'utf8');
    const enforced = process.getuid?.() === 0 && traversableByOthers(data);
    const expectedRo = enforced ? 'EACCES' : 'writable';
    expect(out).toBe(`plain-value,s3cret,writer,shared,${expectedRo}`);
    expect(fs.existsSync(path.join(data, 'global', 'evil.txt'))).toBe(!enforced);
  });

  it('reports a non-zero exit as Failed with the exit code', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('crasher', 'process.exit(3)') });
    const done = await phase('crasher', ['Failed', 'Succeeded']);
    expect(done.status?.phase).toBe('Failed');
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it('restarts a failing container under restartPolicy OnFailure and counts restarts', async () => {
    const script = `const f = process.cwd() + '/count'; const fs = require('fs');
      const n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0; fs.writeFileSync(f, String(n + 1));
      process.exit(n < 1 ? 1 : 0);`;
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('flaky', script, { restartPolicy: 'OnFailure' }),
    });
    const done = await phase('flaky', ['Succeeded']);
    expect(done.status?.containerStatuses?.[0]?.restartCount).toBe(1);
  });

  it('stops the process when the pod is deleted and removes the pod', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('sleeper', 'setInterval(() => {}, 1000)') });
    await phase('sleeper', ['Running']);
    const pid = kubelet.pid(ns, 'sleeper')!;
    expect(pid).toBeGreaterThan(0);
    await core.deleteNamespacedPod({ name: 'sleeper', namespace: ns, gracePeriodSeconds: 2 });
    const end = Date.now() + 45_000;
    let gone = false;
    while (!gone && Date.now() < end) {
      try {
        await core.readNamespacedPod({ name: 'sleeper', namespace: ns });
        await new Promise((r) => setTimeout(r, 150));
      } catch {
        gone = true;
      }
    }
    expect(gone).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
