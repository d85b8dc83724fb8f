/**
 * The chart's Prometheus Operator objects: off by default; the ServiceMonitor scrapes the web port's /metrics; every
 * alert of the PrometheusRule links an entry of docs/runbooks.md and uses only metrics the host exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { all, find, render, type K8sObject } from '../fixtures/helm/render.js';
import { repoRoot } from '../../hack/repo-root.js';

interface Rule {
  alert: string;
  expr: string;
  annotations: { summary: string; runbook_url: string };
}

const ON = { metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } };
const rulesOf = (objects: K8sObject[]) =>
  find<{ spec: { groups: { rules: Rule[] }[] } }>(objects, 'PrometheusRule').spec.groups[0]!.rules;

/** Every `'nanoclaw_…'` metric name the host registers (host/, tests aside) and the operator renders. */
function exportedMetrics(): Set<string> {
  const host = fs
    .readdirSync(path.join(repoRoot(), 'host'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join('host', f));
  const text = [...host, 'operator/k8s/operator-metrics.ts']
    .map((f) => fs.readFileSync(path.join(repoRoot(), f), 'utf8'))
    .join('\n');
  return new Set([...text.matchAll(/'(nanoclaw_[a-z_]+)'/g)].map((m) => m[1]!));
}

describe('monitoring in the chart', () => {
  it('renders no Prometheus Operator object by default', () => {
    const kinds = render({ release: 'demo' }).map((o) => o.kind);
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
  });

  it("scrapes /metrics on the web port and the operator's health port of this release", () => {
    const monitor = find<{ spec: { selector: unknown; endpoints: unknown[] } }>(
      render({ release: 'demo', values: ON }),
      'ServiceMonitor',
    );
    expect(monitor.spec.selector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'nanoclaw', 'app.kubernetes.io/instance': 'demo' },
    });
    expect(monitor.spec.endpoints).toEqual([
      { port: 'web', path: '/metrics', interval: '30s' },
      { port: 'operator-metrics', path: '/metrics', interval: '30s' },
    ]);
  });

  it('links every alert to its runbook entry and uses only metrics the host exports', () => {
    const objects = render({ release: 'demo', values: ON });
    expect(all(objects, 'PrometheusRule')).toHaveLength(1);
    const runbooks = fs.readFileSync(path.join(repoRoot(), 'docs', 'runbooks.md'), 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));
    const exported = exportedMetrics();
    const rules = rulesOf(objects);
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      expect(r.annotations.runbook_url, r.alert).toMatch(
        new RegExp(`/docs/runbooks\\.md#${r.alert.toLowerCase()}$`),
      );
      expect(anchors, `docs/runbooks.md has "## ${r.alert}"`).toContain(r.alert.toLowerCase());
      for (const [name] of r.expr.matchAll(/nanoclaw_[a-z_]+/g)) {
        expect(exported, `${r.alert} uses ${name}`).toContain(name.replace(/_bucket$/, ''));
      }
      // Each alert is about this release: the host's job, or the operator's for its metrics.
      const job = r.expr.includes('nanoclaw_operator_') ? 'demo-nanoclaw-operator' : 'demo-nanoclaw';
      expect(r.expr, r.alert).toContain(`job="${job}"`);
    }
    // And every runbook entry belongs to an alert.
    expect([...anchors].sort()).toEqual(rules.map((r) => r.alert.toLowerCase()).sort());
  });
});
