/**
 * The real node as the tests (and bench/real-node.ts) see it: kubectl and helm (the Go-built ones from
 * hack/build-test-assets.sh) against the cluster hack/real-node/up.sh started, run exactly as a user would type
 * them, plus a few waits. `useCluster` says which cluster (the tests pass what the global setup provided).
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../hack/repo-root.js';

export const REPO = repoRoot();

export interface ClusterAccess {
  kubeconfig: string;
  /** Directory holding kubectl and helm. */
  bin: string;
}
let access: ClusterAccess | undefined;

export function useCluster(a: ClusterAccess): void {
  access = a;
}

/** The directory the cluster's kubeconfig is in: hack/real-node/up.sh's work dir, on this machine (the node). */
export function clusterDir(): string {
  return path.dirname(cluster().kubeconfig);
}

function cluster(): ClusterAccess {
  if (!access) throw new Error('useCluster() was not called');
  return access;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function env() {
  return {
    ...process.env,
    KUBECONFIG: cluster().kubeconfig,
    HELM_CACHE_HOME: '/tmp/nanoclaw-real-node-helm',
  };
}

function tool(name: 'kubectl' | 'helm', args: string[], input?: string): Result {
  const res = spawnSync(path.join(cluster().bin, name), args, {
    cwd: REPO,
    env: env(),
    encoding: 'utf8',
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** Same as `tool` without blocking the event loop (for commands that wait on the cluster). */
export function toolAsync(name: 'kubectl' | 'helm', args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(path.join(cluster().bin, name), args, { cwd: REPO, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export const kubectlResult = (args: string[], input?: string) => tool('kubectl', args, input);
export const helm = (args: string[]) => tool('helm', args);

/** kubectl that must succeed; returns stdout. */
export function kubectl(args: string[], input?: string): string {
  const res = tool('kubectl', args, input);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
}

export function getJson<T = Record<string, unknown>>(args: string[]): T {
  return JSON.parse(kubectl([...args, '-o', 'json'])) as T;
}

export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : JSON.stringify(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: { name: string; image: string }[]; nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

export function pods(namespace: string, selector: string): PodJson[] {
  return getJson<{ items: PodJson[] }>(['-n', namespace, 'get', 'pods', '-l', selector]).items;
}

export const isReady = (p: PodJson) =>
  !p.metadata.deletionTimestamp &&
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
