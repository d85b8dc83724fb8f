/**
 * The Kubernetes runtime end to end on a real API server: web chat → host (NANOCLAW_RUNTIME=kubernetes) → a
 * runner pod run by the test kubelet → mock reply. Also: the pod's spec on the API server, idle reap and
 * recreate, a killed runner replaced with the reply delivered once, an admin change replacing the pod, no
 * secret in any pod object, and an agent folder the runner cannot write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { freePort } from '../fixtures/kube/processes.js';
import { TestKubelet } from '../fixtures/test-kubelet/kubelet.js';
import { tokenSecretName } from '../../host/runtime/kubernetes/pod-spec.js';
import { REPO, startHostProcess, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { ChatStreams, send, sleep } from '../support/web-client.js';

const API_KEY = 'sk-ant-test-must-never-reach-a-pod-0123456789';
let cp: ControlPlane;
let core: CoreV1Api;
let kubelet: TestKubelet;
let host: HostProcess;
let ns: string;
let dataDir: string;
let hostEnv: Record<string, string>;
let runnerUrl: string;
const streams = new ChatStreams(() => host.url);
const watch = (chat: string) => streams.watch(chat);

function runnerPods(): Promise<V1Pod[]> {
  return core
    .listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/name=nanoclaw-runner' })
    .then((l) => l.items);
}

async function podOf(agentGroup: string, timeoutMs = 30_000): Promise<V1Pod> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pod = (await runnerPods()).find(
      (p) =>
        p.metadata?.labels?.['nanoclaw.dev/agent-group'] === agentGroup && !p.metadata?.deletionTimestamp,
    );
    if (pod) return pod;
    if (Date.now() > end) throw new Error(`no runner pod for ${agentGroup}`);
    await sleep(200);
  }
}

beforeAll(async () => {
  cp = await ControlPlane.start({ crdsDir: null });
  core = cp.kubeConfig().makeApiClient(CoreV1Api);
  ns = await cp.createNamespace('runtime');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-k8s-data-'));
  fs.chmodSync(dataDir, 0o755);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-k8s-work-'));
  fs.chmodSync(work, 0o755);
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, {
      id: 'helper',
      name: 'Helper',
      folder: 'helper',
      provider: 'mock',
      runner: { env: [{ name: 'MOCK_PROVIDER_SHELL', value: '1' }] },
    });
    upsertAgentGroup(db, {
      id: 'napper',
      name: 'Napper',
      folder: 'napper',
      provider: 'mock',
      runner: { idleTimeoutSeconds: 2, resources: { limits: { memory: '300Mi' } } },
    });
    for (const [chat, group] of [
      ['main', 'helper'],
      ['naps', 'napper'],
    ] as const) {
      const mg = upsertMessagingGroup(db, { channelType: 'web', platformId: chat, name: chat });
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: group,
        engageMode: 'pattern',
        engagePattern: '.',
      });
    }
    grantRole(db, { userId: 'web:local', role: 'owner' });
    grantRole(db, { userId: 'telegram:7', role: 'admin', agentGroupId: 'helper' });
    grantRole(db, { userId: 'telegram:8', role: 'admin', agentGroupId: 'napper' });
  });
  kubelet = new TestKubelet({
    kc: cp.kubeConfig(),
    nodeName: 'test-node',
    namespaces: [ns],
    claims: { 'nanoclaw-data': dataDir },
    imagePaths: { '/app': REPO },
    workDir: work,
    ...(process.env.DEBUG_RUNTIME_TEST ? { log: (l: string) => console.log(l) } : {}),
  });
  await kubelet.start();
  const runnerPort = await freePort();
  runnerUrl = `http://127.0.0.1:${runnerPort}`;
  hostEnv = {
    NANOCLAW_RUNTIME: 'kubernetes',
    KUBECONFIG: cp.kubeconfigPath,
    NANOCLAW_NAMESPACE: ns,
    NODE_NAME: 'test-node',
    NANOCLAW_RUNNER_PORT: String(runnerPort),
    NANOCLAW_RUNNER_HOST_URL: `http://127.0.0.1:${runnerPort}`,
    NANOCLAW_RUNNER_IMAGE: 'example.invalid/nanoclaw-runner:test',
    ANTHROPIC_API_KEY: API_KEY,
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
  };
  host = await startHostProcess({ dataDir, env: hostEnv });
});

afterAll(async () => {
  if (process.env.DEBUG_RUNTIME_TEST) {
    console.log(host?.output.slice(-60).join('\n'));
    console.log(
      JSON.stringify(
        (await runnerPods()).map((p) => [p.metadata?.name, p.status]),
        null,
        1,
      ).slice(0, 3000),
    );
  }
  streams.closeAll();
  await host?.stop();
  await kubelet?.stop();
  await cp?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('runner pods', () => {
  it('answers a web chat message through a runner pod', async () => {
    const chat = await watch('main');
    await send(host.url, { text: 'hello pod' });
    const pod = await podOf('helper');
    expect(pod.spec?.nodeName).toBe('test-node');
    await chat.waitFor((r) => r.text === 'Mock response to: hello pod', 60_000);
  });

  it('keeps the agent folder read-only for the runner: nothing a session plants there reaches another', async () => {
    const chat = await watch('main');
    await send(host.url, {
      text:
        'plant [[shell:mkdir -p "$NANOCLAW_WORKSPACE/agent/.claude" || echo refused; ' +
        'echo hook > "$NANOCLAW_WORKSPACE/agent/CLAUDE.md" || echo refused; echo "$(id -u)"]]',
    });
    const reply = await chat.waitFor((r) => r.text.startsWith('Mock response to: plant'), 60_000);
    expect(reply.text.match(/refused/g)?.length).toBe(2);
    expect(reply.text).toContain('\n1000\n');
    expect(fs.readdirSync(path.join(dataDir, 'groups', 'helper'))).toEqual([]);
  });

  it('gives the pod the documented mounts, env and hardening', async () => {
    const pod = await podOf('helper');
    const c = pod.spec!.containers[0]!;
    const mounts = Object.fromEntries(c.volumeMounts!.map((m) => [m.mountPath, m]));
    expect(mounts['/workspace']).toMatchObject({
      subPath: expect.stringMatching(/^sessions\/helper\/sess-/),
    });
    expect(mounts['/workspace/agent']).toMatchObject({ subPath: 'groups/helper', readOnly: true });
    expect(mounts['/workspace/global']).toMatchObject({ subPath: 'groups/global', readOnly: true });
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env.NANOCLAW_ADMIN_USER_IDS).toBe('telegram:7,web:local');
    expect(env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/proxy\/anthropic$/);
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec!.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('keeps every secret out of every pod object', async () => {
    await send(host.url, { chat: 'naps', text: 'wake the napper' });
    await podOf('napper');
    const pods = JSON.stringify(await runnerPods());
    expect(pods).not.toContain(API_KEY);
    expect(pods).not.toContain('nct_');
    expect(pods).not.toMatch(/ANTHROPIC_API_KEY/);
  });

  it('replaces the pod when the admin set changes, before the next message', async () => {
    const before = await podOf('helper');
    withDb(dataDir, (db) => grantRole(db, { userId: 'slack:U1', role: 'admin' }));
    const chat = await watch('main');
    await send(host.url, { text: 'after the change' });
    const end = Date.now() + 30_000;
    let after = await podOf('helper');
    while (after.metadata!.uid === before.metadata!.uid && Date.now() < end) {
      await sleep(200);
      after = await podOf('helper');
    }
    const env = Object.fromEntries(after.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env.NANOCLAW_ADMIN_USER_IDS).toBe('slack:U1,telegram:7,web:local');
    await chat.waitFor((r) => r.text === 'Mock response to: after the change', 60_000);
  });

  it('reaps an idle pod and creates a new one for the next message', async () => {
    const chat = await watch('naps');
    const first = await podOf('napper');
    const end = Date.now() + 30_000;
    while ((await runnerPods()).some((p) => p.metadata?.uid === first.metadata?.uid) && Date.now() < end)
      await sleep(250);
    expect((await runnerPods()).some((p) => p.metadata?.uid === first.metadata?.uid)).toBe(false);
    await send(host.url, { chat: 'naps', text: 'again' });
    await chat.waitFor((r) => r.text === 'Mock response to: again', 60_000);
    expect((await podOf('napper')).metadata?.uid).not.toBe(first.metadata?.uid);
  });

  it('replaces a runner whose process was killed and delivers the reply once', async () => {
    const chat = await watch('naps');
    await send(host.url, { chat: 'naps', text: 'warm [[silent]]' });
    const pod = await podOf('napper');
    await send(host.url, { chat: 'naps', text: 'slow [[delay:2000]]' });
    await sleep(700);
    const pid = kubelet.pid(ns, pod.metadata!.name!);
    expect(pid).toBeGreaterThan(0);
    const created = () =>
      host.logs.filter((l) => l.msg === 'runner pod created' && l.agentGroup === 'napper').length;
    const createdBefore = created();
    process.kill(pid!, 'SIGKILL');
    await chat.waitFor((r) => r.text === 'Mock response to: slow', 60_000);
    await sleep(1500);
    expect(chat.replies.filter((r) => r.text === 'Mock response to: slow')).toHaveLength(1);
    expect(created()).toBe(createdBefore + 1);
    expect(
      host.logs.some((l) => l.msg === 'runner pod ended unexpectedly' && l.pod === pod.metadata!.name),
    ).toBe(true);
  });

  it('revokes at start the token of a pod deleted while no host watched, and adopts a pod that still runs', async () => {
    const chat = await watch('main');
    await send(host.url, { chat: 'main', text: 'before the restart' });
    await chat.waitFor((r) => r.text === 'Mock response to: before the restart', 60_000);
    const pod = await podOf('helper');
    const sessionId = pod.metadata!.annotations!['nanoclaw.dev/session-id']!;
    const secret = await core.readNamespacedSecret({ namespace: ns, name: tokenSecretName(sessionId) });
    const token = Buffer.from(secret.data!.token!, 'base64').toString('utf8');
    const modelCall = async () =>
      (
        await fetch(`${runnerUrl}/proxy/anthropic/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': token, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status;
    expect(await modelCall()).not.toBe(401);

    // A host restart with the pod alive: the pod is adopted and its token still works.
    await host.stop();
    host = await startHostProcess({ dataDir, env: hostEnv });
    expect(await modelCall()).not.toBe(401);

    // Stopped again, the pod force-deleted meanwhile: the next host must not honour its token.
    await host.stop();
    await core.deleteNamespacedPod({ namespace: ns, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
    host = await startHostProcess({ dataDir, env: hostEnv });
    await host.waitForLog((l) => l.msg === 'revoked the tokens of runners that are gone', 30_000);
    expect(await modelCall()).toBe(401);
    const again = await watch('main');
    await send(host.url, { chat: 'main', text: 'after the restart' });
    await again.waitFor((r) => r.text === 'Mock response to: after the restart', 60_000);
  });
});
