/**
 * The release under test, installed the way docs/install.md tells users to ("On any cluster"), with the values a
 * cluster without a registry needs: the locally built image tags with pullPolicy Never and the static PV
 * (persistence.storageClass '-'), and the recommended admission policy. The namespace is labelled Pod Security
 * `restricted` (enforce) first.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { helm, kubectl, REPO, type Result } from './cluster.js';

export const NS = 'nanoclaw';
export const RELEASE = 'nanoclaw';
/** `<release>-nanoclaw` is shortened to the release name when it already contains "nanoclaw". */
export const FULL = 'nanoclaw';
export const SECRET = 'nanoclaw-keys';
const TAG = 'real-node';
export const HOST_IMAGE = `nanoclaw:${TAG}`;
export const RUNNER_IMAGE = `nanoclaw-runner:${TAG}`;
export const HOST_SELECTOR = `app.kubernetes.io/name=nanoclaw,app.kubernetes.io/instance=${RELEASE}`;
export const RUNNER_SELECTOR = `app.kubernetes.io/name=nanoclaw-runner,app.kubernetes.io/instance=${RELEASE}`;
export const CHART = path.join(REPO, 'charts', 'nanoclaw');

export const VALUES = [
  `image.repository=nanoclaw`,
  `image.tag=${TAG}`,
  `image.pullPolicy=Never`,
  `runner.image.repository=nanoclaw-runner`,
  `runner.image.tag=${TAG}`,
  `runner.image.pullPolicy=Never`,
  `secret.existingSecret=${SECRET}`,
  `persistence.storageClass=-`,
  `admissionPolicy.enabled=true`,
];
export const setFlags = (values: string[]) => values.flatMap((v) => ['--set', v]);

export interface Installed {
  install: Result;
  rollout: Result;
}

/** Steps 2 and 3 of docs/install.md: namespace, Secret, helm install, rollout status (`extraArgs`: to helm). */
export function installAsDocumented(extraArgs: string[] = []): Installed {
  kubectl(['create', 'namespace', NS]);
  kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
  const token = crypto
    .randomBytes(24)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  kubectl(['-n', NS, 'create', 'secret', 'generic', SECRET, `--from-literal=NANOCLAW_WEB_TOKEN=${token}`]);
  const install = helm(['install', RELEASE, CHART, '-n', NS, ...setFlags(VALUES), ...extraArgs]);
  const rollout = kubectlResultSafe(['-n', NS, 'rollout', 'status', `deployment/${FULL}`, '--timeout=180s']);
  return { install, rollout };
}

function kubectlResultSafe(args: string[]): Result {
  try {
    return { code: 0, stdout: kubectl(args), stderr: '' };
  } catch (err) {
    return { code: 1, stdout: '', stderr: String(err) };
  }
}
