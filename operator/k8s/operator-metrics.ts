/**
 * The operator's Prometheus metrics, rendered from its stats (pure: stats in, exposition text out). Served on the
 * operator's health port at /metrics.
 *
 * Invariant: counters only grow for the life of the process (a restart starts them at 0, as Prometheus expects);
 * gauges are the value now. No object name, namespace or message is a label: only kinds and fixed words.
 */
import type { OperatorStats } from './operator.js';

interface Sample {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: [labels: string, value: number][];
}

export function renderOperatorMetrics(s: OperatorStats): string {
  const samples: Sample[] = [
    {
      name: 'nanoclaw_operator_reconciles_total',
      help: 'Objects projected into the central DB',
      type: 'counter',
      values: [['', s.reconciles]],
    },
    {
      name: 'nanoclaw_operator_reconcile_seconds_total',
      help: 'Time spent projecting objects (divide by reconciles_total for the mean)',
      type: 'counter',
      values: [['', s.reconcileMs / 1000]],
    },
    {
      name: 'nanoclaw_operator_api_failures_total',
      help: 'Failed API server calls (transient ones included)',
      type: 'counter',
      values: [['', s.requests.failures]],
    },
    {
      name: 'nanoclaw_operator_api_denied_total',
      help: 'API server calls refused by authentication or RBAC (a missing permission)',
      type: 'counter',
      values: [['', s.requests.denied]],
    },
    {
      name: 'nanoclaw_operator_status_writes_total',
      help: 'Status subresource writes',
      type: 'counter',
      values: [['', s.statusWrites]],
    },
    {
      name: 'nanoclaw_operator_not_ready',
      help: 'Objects whose last projection was not Ready (kind)',
      type: 'gauge',
      values: Object.entries(s.notReady).map(([kind, n]) => [`{kind="${kind}"}`, n]),
    },
    {
      name: 'nanoclaw_operator_queue_depth',
      help: 'Keys waiting to be projected or to have their status written',
      type: 'gauge',
      values: [['', s.queued]],
    },
    {
      name: 'nanoclaw_operator_leader',
      help: '1 when this operator holds the Lease',
      type: 'gauge',
      values: [['', s.leader ? 1 : 0]],
    },
  ];
  return samples
    .map(
      (m) =>
        `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n` +
        m.values.map(([labels, v]) => `${m.name}${labels} ${v}\n`).join(''),
    )
    .join('');
}
