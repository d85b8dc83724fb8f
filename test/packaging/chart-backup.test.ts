/**
 * The chart's scheduled backups (backup.enabled): a CronJob running `nanoclaw backup --into /backup --keep N` on
 * the host pod's node, with the data volume and a backup volume of its own, no API token and no network.
 */
import { describe, expect, it } from 'vitest';
import { all, find, render, template, type K8sObject } from '../fixtures/helm/render.js';

interface PodSpec {
  automountServiceAccountToken: boolean;
  affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown[] } };
  containers: {
    args: string[];
    securityContext: Record<string, unknown>;
    volumeMounts: { name: string; mountPath: string }[];
  }[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}
type CronJob = K8sObject & {
  spec: {
    schedule: string;
    timeZone?: string;
    concurrencyPolicy: string;
    jobTemplate: { spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
  };
};
type Selecting = K8sObject & { spec: { selector?: Record<string, string>; podSelector?: unknown } };

const ON = { backup: { enabled: true } };

describe('scheduled backups in the chart', () => {
  it('renders no CronJob and no backup volume by default', () => {
    const objects = render({ release: 'demo' });
    expect(all(objects, 'CronJob')).toEqual([]);
    expect(all(objects, 'PersistentVolumeClaim').map((o) => o.metadata.name)).toEqual(['demo-nanoclaw-data']);
  });

  it('backs up the data volume into a kept backup volume, keeping the newest N, one job at a time', () => {
    const objects = render({
      release: 'demo',
      values: { backup: { enabled: true, keep: 3, timeZone: 'UTC' } },
    });
    const job = find<CronJob>(objects, 'CronJob');
    expect(job.spec.schedule).toBe('17 3 * * *');
    expect(job.spec.timeZone).toBe('UTC');
    expect(job.spec.concurrencyPolicy).toBe('Forbid');
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0]!.args).toEqual([
      'backup',
      '--data-dir',
      '/data',
      '--into',
      '/backup',
      '--keep',
      '3',
    ]);
    expect(pod.volumes.map((v) => [v.name, v.persistentVolumeClaim?.claimName])).toEqual([
      ['data', 'demo-nanoclaw-data'],
      ['backup', 'demo-nanoclaw-backup'],
      ['tmp', undefined],
    ]);
    const pvc = find(objects, 'PersistentVolumeClaim', 'demo-nanoclaw-backup');
    expect(pvc.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const other = render({
      release: 'demo',
      values: { backup: { enabled: true, persistence: { existingClaim: 'my-backups' } } },
    });
    expect(all(other, 'PersistentVolumeClaim').map((o) => o.metadata.name)).toEqual(['demo-nanoclaw-data']);
    expect(find<CronJob>(other, 'CronJob').spec.jobTemplate.spec.template.spec.volumes[1]).toEqual({
      name: 'backup',
      persistentVolumeClaim: { claimName: 'my-backups' },
    });
  });

  it("runs on the host pod's node, hardened, without an API token or any network", () => {
    const objects = render({ release: 'demo', values: ON });
    const tpl = find<CronJob>(objects, 'CronJob').spec.jobTemplate.spec.template;
    expect(tpl.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        labelSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'nanoclaw',
            'app.kubernetes.io/instance': 'demo',
            'app.kubernetes.io/component': 'server',
          },
        },
        topologyKey: 'kubernetes.io/hostname',
      },
    ]);
    expect(tpl.spec.automountServiceAccountToken).toBe(false);
    expect(tpl.spec.containers[0]!.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    const policy = find<Selecting>(objects, 'NetworkPolicy', 'demo-nanoclaw-backup');
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: tpl.metadata.labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
    });
    // No Service sends traffic to a backup pod.
    for (const svc of all<Selecting>(objects, 'Service'))
      expect(Object.entries(svc.spec.selector ?? {}).every(([k, v]) => tpl.metadata.labels[k] === v)).toBe(
        false,
      );
  });

  it('refuses bad backup values naming the field', () => {
    for (const [set, field] of [
      ['backup.keep=0', 'keep'],
      ['backup.schedule=daily', 'schedule'],
      ['backup.persistence.accessMode=ReadOnlyMany', 'accessMode'],
      ['backup.retain=3', 'retain'],
    ] as const) {
      const res = template({ release: 'demo', set: ['backup.enabled=true', set] });
      expect(res.code, set).not.toBe(0);
      expect(res.stderr, set).toContain(field);
    }
  });
});
