/**
 * Runs the real helm binary (hack/build-test-assets.sh) on charts/nanoclaw for tests: lint, template with values
 * and --set flags, and the parsed objects. Rendering is client-side only (no cluster), with a fixed Kubernetes
 * version because a helm built from source defaults to an old one.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../kube-fixture/assets.js';
import { toolPath } from './tools.js';

export const CHART_DIR = path.join(repoRoot(), 'charts', 'nanoclaw');
export const KUBE_VERSION = '1.34.4';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  values?: Record<string, unknown>;
  set?: string[];
  chart?: string;
}

function helmEnv(home: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    ...env,
  };
}

/** helm, synchronously (blocks this process: not for commands that wait on something this process serves). */
export function helm(args: string[], env: NodeJS.ProcessEnv = {}): HelmResult {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-helm-home-'));
  try {
    const res = spawnSync(toolPath('helm'), args, {
      encoding: 'utf8',
      env: helmEnv(home, env),
      timeout: 120_000,
    });
    return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** helm without blocking the event loop (e.g. `helm test` while this process runs the test kubelet). */
export async function helmAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 180_000,
): Promise<HelmResult> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-helm-home-'));
  try {
    const child = spawn(toolPath('helm'), args, {
      env: helmEnv(home, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
    clearTimeout(timer);
    return { code, stdout, stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Writes values to a temp file and returns the `-f` arguments (with a cleanup). */
export function valuesArgs(values: Record<string, unknown> | undefined): {
  args: string[];
  cleanup: () => void;
} {
  if (!values) return { args: [], cleanup: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-values-'));
  const file = path.join(dir, 'values.json');
  fs.writeFileSync(file, JSON.stringify(values));
  return { args: ['-f', file], cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function template(o: RenderOptions = {}): HelmResult {
  const v = valuesArgs(o.values);
  try {
    return helm([
      'template',
      o.release ?? 'demo',
      o.chart ?? CHART_DIR,
      '--namespace',
      o.namespace ?? 'nanoclaw',
      '--kube-version',
      KUBE_VERSION,
      ...v.args,
      ...(o.set ?? []).flatMap((s) => ['--set', s]),
    ]);
  } finally {
    v.cleanup();
  }
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** Rendered objects; throws with helm's message when rendering fails. */
export function render(o: RenderOptions = {}): K8sObject[] {
  const res = template(o);
  if (res.code !== 0) throw new Error(`helm template failed: ${res.stderr}`);
  return parseObjects(res.stdout);
}

export function find<T = K8sObject>(objects: K8sObject[], kind: string, name?: string): T {
  const hit = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!hit)
    throw new Error(`no ${kind}${name ? ` ${name}` : ''} in ${objects.map((o) => o.kind).join(', ')}`);
  return hit as T;
}

export function all<T = K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}
