/**
 * Chat channels on the chart: bot tokens reach the host from the Secret, and `webhooks.enabled` opens the port
 * platforms push to (container port, Service, NetworkPolicy rule, the host's own config) — and nothing of it by
 * default.
 */
import type { V1Deployment, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../host/config.js';
import { containerEnv } from '../fixtures/helm/container-env.js';
import { all, find, render, type K8sObject } from '../fixtures/helm/render.js';

const NS = 'nanoclaw';

function hostConfig(objects: K8sObject[]) {
  const d = find<V1Deployment>(objects, 'Deployment');
  const host = d.spec!.template.spec!.containers.find((c) => c.name === 'host')!;
  return { config: loadConfig(containerEnv(host, objects, NS)), host };
}

const hostPolicyPorts = (objects: K8sObject[]) =>
  (find<V1NetworkPolicy>(objects, 'NetworkPolicy', 'demo-nanoclaw-host').spec!.ingress ?? []).flatMap((r) =>
    (r.ports ?? []).map((p) => p.port),
  );

describe('chat channels in the chart', () => {
  it('configures bots from the Secret and opens no webhook port by default', () => {
    const objects = render({
      release: 'demo',
      namespace: NS,
      values: { secret: { extraEnv: { TELEGRAM_BOT_TOKEN: '123:abc', SLACK_BOT_TOKEN_OPS: 'xoxb-1' } } },
    });
    const { config, host } = hostConfig(objects);
    expect(config.channels.map((c) => c.channelType)).toEqual(['telegram', 'slack-ops']);
    expect(config.webhook).toBeNull();
    expect(host.ports!.map((p) => p.name)).toEqual(['web', 'runner']);
    expect(all<V1Service>(objects, 'Service').map((s) => s.metadata!.name)).not.toContain(
      'demo-nanoclaw-webhooks',
    );
    expect(hostPolicyPorts(objects)).toEqual([3001, 3000]);
  }, 120_000);

  it('serves platform webhooks on port 3002 when enabled', () => {
    const objects = render({
      release: 'demo',
      namespace: NS,
      values: { webhooks: { enabled: true, service: { port: 8443 } } },
    });
    const { config, host } = hostConfig(objects);
    expect(config.webhook).toEqual({ port: 3002, bind: '0.0.0.0' });
    expect(host.ports).toContainEqual({ name: 'webhooks', containerPort: 3002, protocol: 'TCP' });
    const svc = find<V1Service>(objects, 'Service', 'demo-nanoclaw-webhooks');
    expect(svc.spec!.ports).toEqual([
      { name: 'webhooks', port: 8443, targetPort: 'webhooks', protocol: 'TCP' },
    ]);
    expect(hostPolicyPorts(objects)).toEqual([3001, 3000, 3002]);
  }, 120_000);
});
