/**
 * The chart's NetworkPolicies, enforced by kube-router's firewall on the real node. Every "cannot" has a control
 * from a pod no policy selects (or from the machine) that does reach the same address and port, so a refused or
 * unanswered connection means the policy, not a missing listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getJson, isReady, kubectl, pods, type PodJson } from '../cluster.js';
import { resolveFrom, startProbePod, tcpFrom } from '../pod-probe.js';
import { FULL, HOST_SELECTOR, NS, RUNNER_IMAGE, RUNNER_SELECTOR } from '../release.js';

const API_NAME = 'kubernetes.default.svc.cluster.local';
const RUNNER_SERVICE = `${FULL}-runner.${NS}.svc.cluster.local`;

export function networkPoliciesSuite(): void {
  describe('NetworkPolicies on the real node', () => {
    let probe: PodJson;
    let runner: PodJson;
    let host: PodJson;
    let dns: PodJson;
    let nodeIp: string;

    beforeAll(async () => {
      probe = await startProbePod(NS, 'netpol-probe', RUNNER_IMAGE);
      runner = await eventually('a Ready runner pod', () => pods(NS, RUNNER_SELECTOR).find(isReady));
      host = pods(NS, HOST_SELECTOR).find(isReady)!;
      dns = pods('kube-system', 'k8s-app=kube-dns').find(isReady)!;
      nodeIp = getJson<{ status: { addresses: { type: string; address: string }[] } }>([
        'get',
        'node',
        'nanoclaw-real-node',
      ]).status.addresses.find((a) => a.type === 'InternalIP')!.address;
      // kube-router writes a new pod's rules shortly after it starts; the policies exist long before.
      await eventually(
        'the probe pod known to the firewall',
        () => tcpFrom(NS, probe.metadata.name, host.status.podIP!, 3000) === 'open',
        30_000,
      );
    });
    afterAll(() => {
      kubectl(['-n', NS, 'delete', 'pod', 'netpol-probe', '--wait=false']);
    });

    it("another pod cannot reach the host's runner port, though it reaches the web port", () => {
      expect(tcpFrom(NS, probe.metadata.name, host.status.podIP!, 3000)).toBe('open');
      expect(tcpFrom(NS, probe.metadata.name, host.status.podIP!, 3001)).not.toBe('open');
      expect(tcpFrom(NS, probe.metadata.name, RUNNER_SERVICE, 3001)).not.toBe('open');
      // The runner reaching the same port (below) proves the host listens there.
    });

    it('a runner pod reaches the host through the runner Service', () => {
      expect(resolveFrom(NS, runner.metadata.name, RUNNER_SERVICE)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(tcpFrom(NS, runner.metadata.name, RUNNER_SERVICE, 3001)).toBe('open');
      expect(tcpFrom(NS, runner.metadata.name, host.status.podIP!, 3001)).toBe('open');
    });

    it('a runner pod cannot reach the API server, which another pod reaches', () => {
      expect(tcpFrom(NS, probe.metadata.name, API_NAME, 443)).toBe('open');
      expect(tcpFrom(NS, probe.metadata.name, nodeIp, 6443)).toBe('open');
      expect(tcpFrom(NS, runner.metadata.name, API_NAME, 443)).not.toBe('open');
      expect(tcpFrom(NS, runner.metadata.name, nodeIp, 6443)).not.toBe('open');
    });

    it("a runner pod cannot reach the host's web port", () => {
      expect(tcpFrom(NS, runner.metadata.name, host.status.podIP!, 3000)).not.toBe('open');
      expect(tcpFrom(NS, runner.metadata.name, `${FULL}.${NS}.svc.cluster.local`, 3000)).not.toBe('open');
    });

    it('a runner pod reaches nothing else: not another pod, not the DNS pod beyond port 53', () => {
      expect(tcpFrom(NS, probe.metadata.name, dns.status.podIP!, 8080)).toBe('open');
      expect(tcpFrom(NS, runner.metadata.name, dns.status.podIP!, 8080)).not.toBe('open');
      expect(tcpFrom(NS, probe.metadata.name, probe.status.podIP!, 8080)).toBe('open');
      expect(tcpFrom(NS, runner.metadata.name, probe.status.podIP!, 8080)).not.toBe('open');
    });
  });
}
