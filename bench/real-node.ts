/**
 * Runner pods on a real node beside the test-kubelet baseline, measured in the same run on the same machine:
 *
 *   baseline  node dist/bench/k8s-runtime.js (API server + test kubelet, pods as local processes, host in-process);
 *   real node hack/real-node/up.sh, the chart installed as docs/install.md says (test/real-node/release.ts), the host
 *             in its pod, messages through the web chat Service from this machine:
 *     cold: a message to a new chat (new session) → its reply, through a runner pod created for it (token Secret,
 *           pod, sandbox, CNI, container start, runner start-up and connection);
 *     warm: a message → its reply through the running runner pod of an existing session;
 *     accept: the web API's POST alone (202), the part of warm that is the HTTP request.
 * The real-node warm figure includes the web API (HTTP POST, server-sent event) that the baseline's in-process
 * adapter does not; the ratio is an upper bound of what the real node adds.
 *
 * Usage (root): npm run bench:real-node [-- --messages 100 --cold 5]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getJson, kubectl, REPO, useCluster } from '../test/real-node/cluster.js';
import { FULL, installAsDocumented, NS, SECRET } from '../test/real-node/release.js';
import { Chat, postMessage, webBase, webToken } from '../test/real-node/web-chat.js';
import { summary } from './bench-host.js';
import { assetsDir } from '../test/fixtures/kube/assets.js';

const script = (name: string) => path.join(REPO, 'hack', 'real-node', name);

function sh(file: string): { code: number; last: string } {
  const res = spawnSync('bash', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { code: res.status ?? -1, last: (res.stdout ?? '').trim().split('\n').pop() ?? '' };
}

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** Parses `cold n=.. p50=X ms ...` lines of bench/k8s-runtime.ts. */
function baselineP50(out: string, name: string): number {
  const m = out.match(new RegExp(`^${name}\\s+n=\\d+ p50=([\\d.]+) ms`, 'm'));
  if (!m) throw new Error(`no "${name}" line in the test-kubelet bench output:\n${out}`);
  return Number(m[1]);
}

async function measureRealNode(messages: number, colds: number) {
  const wired = (i: number) => ({
    apiVersion: 'nanoclaw.dev/v1alpha1',
    kind: 'MessagingGroup',
    metadata: { name: `bench-cold-${i}`, namespace: NS },
    spec: {
      channel: 'web',
      platformId: `cold-${i}`,
      unknownSenderPolicy: 'strict',
      agents: [{ agentGroup: 'assistant', engage: { mode: 'pattern', pattern: '.' } }],
    },
  });
  // The web API's per-sender rate limit would throttle the measured messages (it is not what is measured).
  const installed = installAsDocumented([
    '--set-string',
    'host.extraEnv[0].name=NANOCLAW_WEB_RATE_PER_MINUTE,host.extraEnv[0].value=1000000',
    '--set-string',
    'host.extraEnv[1].name=NANOCLAW_WEB_RATE_BURST,host.extraEnv[1].value=100000',
  ]);
  if (installed.install.code !== 0 || installed.rollout.code !== 0)
    throw new Error(`install failed: ${installed.install.stderr}${installed.rollout.stderr}`);
  kubectl(['-n', NS, 'apply', '-f', path.join(REPO, 'examples')]);
  kubectl(
    ['-n', NS, 'apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: Array.from({ length: colds }, (_, i) => wired(i + 1)),
    }),
  );
  for (let i = 1; i <= colds; i++)
    kubectl(['-n', NS, 'wait', '--for=condition=Ready', `messaginggroup/bench-cold-${i}`, '--timeout=60s']);
  kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'messaginggroup/web-main', '--timeout=60s']);
  const base = webBase(NS, FULL);
  const token = webToken(NS, SECRET);
  const cold: number[] = [];
  for (let i = 1; i <= colds; i++) {
    const chat = new Chat(base, token, `cold-${i}`);
    await chat.open();
    const t0 = performance.now();
    await chat.ask(`cold ${i}`);
    cold.push(performance.now() - t0);
    chat.close();
  }
  const chat = new Chat(base, token, 'main');
  await chat.open();
  for (let i = 0; i < 10; i++) await chat.ask(`warm-up ${i}`);
  const warm: number[] = [];
  const accept: number[] = [];
  for (let i = 0; i < messages; i++) {
    const t0 = performance.now();
    const sent = await postMessage(base, token, 'main', `message ${i}`);
    if (sent.status !== 202) throw new Error(`POST api/messages → ${sent.status}`);
    accept.push(performance.now() - t0);
    await chat.waitFor(`Mock response to: message ${i}`);
    warm.push(performance.now() - t0);
  }
  chat.close();
  const runnerPods = getJson<{ items: unknown[] }>([
    '-n',
    NS,
    'get',
    'pods',
    '-l',
    'app.kubernetes.io/name=nanoclaw-runner',
  ]);
  return { cold, warm, accept, pods: runnerPods.items.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, cold: { type: 'string' } } });
  const messages = Math.min(1000, Number(values.messages ?? 100));
  const colds = Math.min(5, Number(values.cold ?? 5));
  const built = sh(script('build-assets.sh'));
  if (built.code === 3) {
    console.log(`real-node bench skipped: ${built.last.replace(/^skip: /, '')}`);
    return;
  }
  if (built.code !== 0) throw new Error(`hack/real-node/build-assets.sh exited ${built.code}`);

  const baseline = spawnSync(
    process.execPath,
    [
      path.join(REPO, 'dist', 'bench', 'k8s-runtime.js'),
      '--messages',
      String(messages),
      '--cold',
      String(colds),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (baseline.status !== 0) throw new Error(`bench/k8s-runtime.ts exited ${baseline.status}`);
  process.stdout.write(baseline.stdout);

  const bin = assetsDir();
  process.env.KUBEBUILDER_ASSETS = bin;
  const up = sh(script('up.sh'));
  if (up.code !== 0 || !up.last.startsWith('KUBECONFIG='))
    throw new Error(`hack/real-node/up.sh exited ${up.code}`);
  useCluster({ kubeconfig: up.last.slice('KUBECONFIG='.length), bin });
  try {
    const real = await measureRealNode(messages, colds);
    console.log(
      `kubernetes runtime (real node): ${messages} warm messages, ${colds} cold sessions, ${os.cpus().length} CPUs, ${real.pods} runner pods`,
    );
    console.log(summary('cold', real.cold));
    console.log(summary('warm', real.warm));
    console.log(summary('accept', real.accept));
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    const bc = baselineP50(baseline.stdout, 'cold');
    const bw = baselineP50(baseline.stdout, 'warm');
    console.log(
      `p50 real node / test kubelet: cold ${ratio(p50(real.cold), bc)}, warm ${ratio(p50(real.warm), bw)}`,
    );
  } finally {
    sh(script('down.sh'));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
