/**
 * Docker-runtime tier global setup: the real-node tier's images (hack/real-node/build-assets.sh, cached) loaded
 * into a Docker engine of its own (hack/real-node/docker-engine.sh), started once for the tier and stopped
 * afterwards, also when a test or the setup itself failed. When the machine cannot run it (not root, no
 * docker.io, or the real-node assets cannot be built here: exit 3), nothing starts and the tests see the reason
 * through inject('docker').skip; scripts/test.mjs then counts the tier as skipped, never as passed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const script = (name: string) => path.join(REPO, 'hack', 'real-node', name);

export interface DockerTierContext {
  /** Why the tier cannot run on this machine; empty when it can. */
  skip: string;
  /** Why the engine is not up although the machine can run it (every test then fails with it). */
  error: string;
  /** The engine's socket URL. */
  dockerHost: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    docker: DockerTierContext;
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
  const provide = (c: Partial<DockerTierContext>) =>
    project.provide('docker', { skip: '', error: '', dockerHost: '', ...c });
  if (process.env.NANOCLAW_REAL_NODE_SKIP) {
    provide({ skip: process.env.NANOCLAW_REAL_NODE_SKIP });
    return () => {};
  }
  if (process.env.NANOCLAW_REAL_NODE_ASSETS_READY !== '1') {
    const built = run('build-assets.sh');
    if (built.code === 3) {
      provide({ skip: built.last.replace(/^skip: /, '') });
      return () => {};
    }
    if (built.code !== 0) {
      provide({ error: `hack/real-node/build-assets.sh exited ${built.code}` });
      return () => {};
    }
  }
  const up = run('docker-engine.sh', ['up']);
  if (up.code === 3) {
    provide({ skip: up.last.replace(/^skip: /, '') });
    return () => {};
  }
  if (up.code !== 0 || !up.last.startsWith('DOCKER_HOST=')) {
    provide({ error: `hack/real-node/docker-engine.sh up exited ${up.code}` });
    return () => {};
  }
  provide({ dockerHost: up.last.slice('DOCKER_HOST='.length) });
  return () => {
    const down = run('docker-engine.sh', ['down']);
    if (down.code !== 0) process.stderr.write(`docker tier: docker-engine.sh down exited ${down.code}\n`);
  };
}
