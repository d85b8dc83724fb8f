/**
 * Where the real Kubernetes binaries are: $KUBEBUILDER_ASSETS when it holds them, otherwise whatever
 * hack/build-test-assets.sh prints on its last stdout line (it builds them on first use, then reuses the cache).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in hack/kube-fixture/, compiled or not). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'hack'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

const REQUIRED = ['kube-apiserver', 'etcd', 'kubectl'];

function complete(dir: string): boolean {
  return REQUIRED.every((b) => fs.existsSync(path.join(dir, b)));
}

export function assetsDir(): string {
  const env = process.env.KUBEBUILDER_ASSETS;
  if (env && complete(env)) return env;
  const out = execFileSync('bash', [path.join(repoRoot(), 'hack', 'build-test-assets.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = out.trim().split('\n').pop() ?? '';
  if (!complete(dir))
    throw new Error(`hack/build-test-assets.sh did not produce ${REQUIRED.join(', ')} in ${dir}`);
  process.env.KUBEBUILDER_ASSETS = dir;
  return dir;
}
