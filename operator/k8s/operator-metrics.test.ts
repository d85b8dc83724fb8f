import { describe, expect, it } from 'vitest';
import { renderOperatorMetrics } from './operator-metrics.js';
import type { OperatorStats } from './operator.js';

const stats: OperatorStats = {
  reconciles: 12,
  reconcileMs: 1500,
  dbWrites: 4,
  statusWrites: 9,
  removed: 1,
  notReady: { AgentGroup: 0, MessagingGroup: 2, UserRole: 1 },
  leader: true,
  queued: 3,
  pruned: 0,
  resyncs: 1,
  requests: { lists: 6, statusPatches: 9, events: 2, leaseReads: 4, leaseWrites: 2, failures: 5, denied: 1 },
};

describe('operator metrics', () => {
  it('exposes reconciles, their time, API failures, not-Ready objects by kind, the queue and leadership', () => {
    const text = renderOperatorMetrics(stats);
    for (const line of [
      '# TYPE nanoclaw_operator_reconciles_total counter',
      'nanoclaw_operator_reconciles_total 12',
      'nanoclaw_operator_reconcile_seconds_total 1.5',
      'nanoclaw_operator_api_failures_total 5',
      'nanoclaw_operator_api_denied_total 1',
      'nanoclaw_operator_status_writes_total 9',
      '# TYPE nanoclaw_operator_not_ready gauge',
      'nanoclaw_operator_not_ready{kind="AgentGroup"} 0',
      'nanoclaw_operator_not_ready{kind="MessagingGroup"} 2',
      'nanoclaw_operator_not_ready{kind="UserRole"} 1',
      'nanoclaw_operator_queue_depth 3',
      'nanoclaw_operator_leader 1',
    ])
      expect(text.split('\n')).toContain(line);
    expect(text.endsWith('\n')).toBe(true);
  });
});
