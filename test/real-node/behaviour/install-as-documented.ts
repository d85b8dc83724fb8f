/** `helm install` as docs/install.md says, `kubectl apply -f examples/`, every object Ready, `helm test` passes. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, getJson, helm, isReady, kubectl, pods, REPO } from '../cluster.js';
import {
  FULL,
  HOST_IMAGE,
  HOST_SELECTOR,
  installAsDocumented,
  NS,
  RELEASE,
  RUNNER_IMAGE,
  type Installed,
} from '../release.js';

interface Conditioned {
  kind: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export function installAsDocumentedSuite(): void {
  describe('helm install as docs/install.md says', () => {
    let installed: Installed;

    it('installs the chart and rolls out a Ready host pod from the local images', () => {
      installed = installAsDocumented();
      expect(installed.install.code, installed.install.stderr).toBe(0);
      expect(installed.install.stdout).toContain(`kubectl -n ${NS} rollout status deployment/${FULL}`);
      expect(installed.rollout.code, installed.rollout.stderr).toBe(0);
      const [host, ...more] = pods(NS, HOST_SELECTOR);
      expect(more).toHaveLength(0);
      expect(isReady(host!)).toBe(true);
      expect(host!.spec.containers.map((c) => c.image)).toEqual([HOST_IMAGE, HOST_IMAGE]);
      const env = kubectl(['-n', NS, 'get', 'deployment', FULL, '-o', 'jsonpath={.spec.template.spec}']);
      expect(env).toContain(RUNNER_IMAGE);
      const pvc = getJson<{ spec: { volumeName: string }; status: { phase: string } }>([
        '-n',
        NS,
        'get',
        'pvc',
        `${FULL}-data`,
      ]);
      expect(pvc.status.phase).toBe('Bound');
      expect(pvc.spec.volumeName).toBe('nanoclaw-real-node-data');
    });

    it('kubectl apply -f examples/ makes every object Ready', async () => {
      kubectl(['-n', NS, 'apply', '-f', path.join(REPO, 'examples')]);
      const objects = await eventually(
        'examples Ready',
        () => {
          const list = getJson<{ items: Conditioned[] }>(['-n', NS, 'get', 'nanoclaw']).items;
          const ready = (o: Conditioned) =>
            o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          return list.length >= 5 && list.every(ready) ? list : undefined;
        },
        60_000,
      );
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'AgentGroup/assistant',
        'MessagingGroup/web-main',
        'UserRole/assistant-admin',
        'UserRole/assistant-member',
        'UserRole/local-owner',
      ]);
    });

    it('helm test passes: a write on the data volume from one real pod is read back by another', () => {
      const res = helm(['test', RELEASE, '-n', NS, '--timeout', '180s']);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toMatch(
        new RegExp(`TEST SUITE:\\s+${FULL}-storage-write[\\s\\S]*Phase:\\s+Succeeded`),
      );
      expect(res.stdout).toMatch(
        new RegExp(`TEST SUITE:\\s+${FULL}-storage-read[\\s\\S]*Phase:\\s+Succeeded`),
      );
    });
  });
}
