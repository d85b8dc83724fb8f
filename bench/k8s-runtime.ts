/**
 * The Kubernetes runtime's costs on a real API server, with pods run by the test kubelet (local processes, so
 * no image pull or container start is included — on a real node add those):
 *
 *   cold: a message to a new session → its reply (pod + token Secret created, bound, started, runner connects);
 *   warm: accepted inbound → reply through an already running runner pod.
 *
 * Usage: npm run build && node dist/bench/k8s-runtime.js [--messages 300] [--cold 10]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ControlPlane } from '../test/fixtures/kube/control-plane.js';
import { freePort } from '../test/fixtures/kube/processes.js';
import { TestKubelet } from '../test/fixtures/test-kubelet/kubelet.js';
import { loadConfig } from '../host/config.js';
import { openCentralDb } from '../host/db/central-db.js';
import { startHost } from '../host/host.js';
import { packageRoot } from '../host/runtime/runner-command.js';
import { BenchAdapter, roundTripper, seedBench, summary } from './bench-host.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, cold: { type: 'string' } } });
  const messages = Math.min(10_000, Number(values.messages ?? 300));
  const colds = Math.min(100, Number(values.cold ?? 10));
  const cp = await ControlPlane.start({ crdsDir: null });
  const ns = await cp.createNamespace('bench');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-k8s-'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-kubelet-'));
  fs.chmodSync(dataDir, 0o755);
  fs.chmodSync(work, 0o755);
  const kubelet = new TestKubelet({
    kc: cp.kubeConfig(),
    nodeName: 'bench-node',
    namespaces: [ns],
    claims: { 'nanoclaw-data': dataDir },
    imagePaths: { '/app': packageRoot() },
    workDir: work,
  });
  await kubelet.start();
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  seedBench(db, colds);
  const runnerPort = await freePort();
  process.env.KUBECONFIG = cp.kubeconfigPath;
  const config = loadConfig({
    NANOCLAW_DATA_DIR: dataDir,
    NANOCLAW_PORT: '0',
    LOG_LEVEL: 'silent',
    NANOCLAW_RUNTIME: 'kubernetes',
    NANOCLAW_NAMESPACE: ns,
    NODE_NAME: 'bench-node',
    NANOCLAW_RUNNER_PORT: String(runnerPort),
    NANOCLAW_RUNNER_HOST_URL: `http://127.0.0.1:${runnerPort}`,
    NANOCLAW_RUNNER_POLL_MS: '2000',
  });
  const adapter = new BenchAdapter();
  const host = await startHost({ config, log: pino({ level: 'silent' }), channels: [adapter], db });
  const roundTrip = roundTripper(host, adapter);
  try {
    const cold: number[] = [];
    for (let i = 1; i <= colds; i++) cold.push((await roundTrip(`chat-${i}`, `cold ${i}`)).total);
    for (let i = 0; i < 20; i++) await roundTrip('chat-0', `warm-up ${i}`);
    const warm: number[] = [];
    for (let i = 0; i < messages; i++) warm.push((await roundTrip('chat-0', `message ${i}`)).reply);
    console.log(
      `kubernetes runtime (test kubelet): ${messages} warm messages, ${colds} cold sessions, ${os.cpus().length} CPUs`,
    );
    console.log(summary('cold', cold));
    console.log(summary('warm', warm));
  } finally {
    await host.close();
    await kubelet.stop();
    await cp.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
