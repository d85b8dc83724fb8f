/**
 * Paths of the chart and image test tools (helm, kubeconform, kubectl, dockerfile-check), all built from Go
 * modules by hack/build-test-assets.sh into the same cached bin directory as kube-apiserver. A tool missing from
 * that directory (e.g. KUBEBUILDER_ASSETS points at an older one) is built into it on first use.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assetsDir, repoRoot } from '../kube-fixture/assets.js';

export type ToolName = 'helm' | 'kubeconform' | 'kubectl' | 'dockerfile-check';

export function toolPath(name: ToolName): string {
  const dir = assetsDir();
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    execFileSync('bash', [path.join(repoRoot(), 'hack', 'build-test-assets.sh')], {
      env: { ...process.env, KUBEBUILDER_ASSETS: dir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  if (!fs.existsSync(file)) throw new Error(`${name} is not in ${dir} after hack/build-test-assets.sh`);
  return file;
}
