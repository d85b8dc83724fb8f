/**
 * Real-node tier global setup: builds (or finds cached) the tier's assets, brings one real single-node cluster up
 * for the whole tier and tears it down afterwards, also when a test or the setup itself failed.
 * When the machine lacks what the tier needs (hack/real-node/build-assets.sh exits 3: not root, no namespaces,
 * ...), nothing starts and the tests see the reason through inject('realNode').skip; scripts/test.mjs then
 * counts the tier as skipped, never as passed. NANOCLAW_REAL_NODE_KUBECONFIG=<admin.kubeconfig> runs the tests
 * against a cluster started by hand (hack/real-node/up.sh) and leaves it running.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { assetsDir } from '../fixtures/kube/assets.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const script = (name: string) => path.join(REPO, 'hack', 'real-node', name);

export interface RealNodeContext {
  /** Why the tier cannot run on this machine; empty when it can. */
  skip: string;
  /** Why the cluster is not up although the machine can run it (every test then fails with it). */
  error: string;
  kubeconfig: string;
  /** kube-apiserver, kubectl and helm (hack/build-test-assets.sh). */
  bin: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    realNode: RealNodeContext;
  }
}

function run(name: string, args: string[] = []) {
  const res = spawnSync('bash', [script(name), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: res.status ?? -1, last: (res.stdout ?? '').trim().split('\n').pop() ?? '' };
}

export default function setup(project: TestProject): () => void {
  const bin = assetsDir();
  const skipped = (skip: string) => project.provide('realNode', { skip, error: '', kubeconfig: '', bin });
  // Thrown errors here would abort every tier of the run; the tests report them instead.
  const failed = (error: string) => project.provide('realNode', { skip: '', error, kubeconfig: '', bin });
  if (process.env.NANOCLAW_REAL_NODE_SKIP) {
    skipped(process.env.NANOCLAW_REAL_NODE_SKIP);
    return () => {};
  }
  // A cluster started by hand with hack/real-node/up.sh: use it, leave it running.
  const given = process.env.NANOCLAW_REAL_NODE_KUBECONFIG;
  if (given) {
    project.provide('realNode', { skip: '', error: '', kubeconfig: given, bin });
    return () => {};
  }
  if (process.env.NANOCLAW_REAL_NODE_ASSETS_READY !== '1') {
    const built = run('build-assets.sh');
    if (built.code === 3) {
      skipped(built.last.replace(/^skip: /, ''));
      return () => {};
    }
    if (built.code !== 0) {
      failed(`hack/real-node/build-assets.sh exited ${built.code}`);
      return () => {};
    }
  }
  const up = run('up.sh');
  if (up.code !== 0 || !up.last.startsWith('KUBECONFIG=')) {
    failed(
      `hack/real-node/up.sh exited ${up.code} (it tore down what it started; logs in ~/.cache/nanoclaw/real-node/last-failure-logs)`,
    );
    return () => {};
  }
  project.provide('realNode', { skip: '', error: '', kubeconfig: up.last.slice('KUBECONFIG='.length), bin });
  return () => {
    const down = run('down.sh');
    if (down.code !== 0) process.stderr.write(`real-node: hack/real-node/down.sh exited ${down.code}\n`);
  };
}
