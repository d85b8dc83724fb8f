/**
 * The release namespace enforces Pod Security `restricted`: the host pod, the runner pods and the helm test pods
 * were admitted (earlier suites ran them there), and a pod that breaks the profile is refused. The chart's
 * ValidatingAdmissionPolicy refuses pods the host's ServiceAccount must not create, even ones `restricted`
 * admits, while the exact pod the host did create passes it.
 */
import { describe, expect, it } from 'vitest';
import { getJson, isReady, kubectlResult, pods } from '../cluster.js';
import { FULL, HOST_SELECTOR, NS, RUNNER_IMAGE, RUNNER_SELECTOR } from '../release.js';

interface LivePod {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; labels: Record<string, string> };
  spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
}

/** A copy of a live runner pod as a new object (what the host would send to create it). */
function runnerPodCopy(name: string): LivePod {
  const live = getJson<LivePod>([
    '-n',
    NS,
    'get',
    'pod',
    pods(NS, RUNNER_SELECTOR).find(isReady)!.metadata.name,
  ]);
  const { labels, annotations, ownerReferences } = live.metadata as Record<string, unknown>;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: labels as Record<string, string>, annotations, ownerReferences },
    spec: live.spec,
  };
}

const AS_HOST = `--as=system:serviceaccount:${NS}:${FULL}`;
const dryRun = (pod: unknown, as: string[] = [AS_HOST]) =>
  kubectlResult(['create', '--dry-run=server', ...as, '-f', '-'], JSON.stringify(pod));

export function podSecurityAdmissionSuite(): void {
  describe('Pod Security restricted on the release namespace', () => {
    it('is enforced on the namespace the host and runner pods run in', () => {
      const ns = getJson<{ metadata: { labels: Record<string, string> } }>(['get', 'namespace', NS]);
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(pods(NS, HOST_SELECTOR).filter(isReady)).toHaveLength(1);
      expect(pods(NS, RUNNER_SELECTOR).filter(isReady).length).toBeGreaterThan(0);
    });

    it('refuses a pod that may escalate privileges or run as root', () => {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'too-powerful', namespace: NS },
        spec: { containers: [{ name: 'c', image: RUNNER_IMAGE, imagePullPolicy: 'Never' }] },
      };
      const res = kubectlResult(['apply', '-f', '-'], JSON.stringify(pod));
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('violates PodSecurity "restricted:latest"');
      expect(res.stderr).toMatch(/allowPrivilegeEscalation != false/);
      expect(res.stderr).toMatch(/runAsNonRoot != true/);
    });

    it("the chart's admission policy admits the runner pod the host created", () => {
      const res = dryRun(runnerPodCopy('runner-copy'));
      expect(res.code, res.stderr).toBe(0);
    });

    it("the chart's admission policy refuses pods the host must not create, which restricted admits", () => {
      const withToken = runnerPodCopy('with-token');
      withToken.spec.automountServiceAccountToken = true;
      const writableGlobal = runnerPodCopy('writable-global');
      const mounts = writableGlobal.spec.containers[0]!.volumeMounts as {
        mountPath: string;
        readOnly?: boolean;
      }[];
      for (const m of mounts) if (m.mountPath === '/workspace/global') m.readOnly = false;
      const writableAgent = runnerPodCopy('writable-agent');
      for (const m of writableAgent.spec.containers[0]!.volumeMounts as typeof mounts)
        if (m.mountPath === '/workspace/agent') m.readOnly = false;
      const writableInbound = runnerPodCopy('writable-inbound');
      const inboundMounts = writableInbound.spec.containers[0]!.volumeMounts as { mountPath: string }[];
      writableInbound.spec.containers[0]!.volumeMounts = inboundMounts.filter(
        (m) => !m.mountPath.startsWith('/workspace/inbound.db'),
      );
      const shell = runnerPodCopy('shell');
      shell.spec.containers[0]!.command = ['node', '-e', 'require("node:child_process").execSync("id")'];
      const notARunner = runnerPodCopy('not-a-runner');
      notARunner.metadata.labels = {
        ...notARunner.metadata.labels,
        'app.kubernetes.io/name': 'something-else',
      };
      const refused: [LivePod, string][] = [
        [withToken, 'a runner pod mounts no ServiceAccount token'],
        [writableGlobal, 'a runner pod mounts the global and agent folders read-only'],
        [writableAgent, 'a runner pod mounts the global and agent folders read-only'],
        [writableInbound, 'a runner pod mounts inbound.db and its journal read-only'],
        [shell, 'a runner pod has exactly one container running the agent-runner'],
        [notARunner, 'the host creates runner pods of its own release only'],
      ];
      for (const [pod, message] of refused) {
        const res = dryRun(pod);
        expect(res.code, pod.metadata.name).not.toBe(0);
        expect(res.stderr, pod.metadata.name).toContain(message);
        // The same pod from someone else (the cluster admin) is only subject to Pod Security, which admits it.
        const admin = dryRun(pod, []);
        expect(admin.code, `${pod.metadata.name} as admin: ${admin.stderr}`).toBe(0);
      }
    });
  });
}
