import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

describe('metrics', () => {
  it('renders a histogram with cumulative buckets, +Inf, sum and count', () => {
    const m = new Metrics();
    const observe = m.histogram('nanoclaw_test_seconds', 'A test', [0.1, 1]);
    for (const v of [0.05, 0.5, 3]) observe(v);
    expect(m.render()).toBe(
      [
        '# HELP nanoclaw_test_seconds A test',
        '# TYPE nanoclaw_test_seconds histogram',
        'nanoclaw_test_seconds_bucket{le="0.1"} 1',
        'nanoclaw_test_seconds_bucket{le="1"} 2',
        'nanoclaw_test_seconds_bucket{le="+Inf"} 3',
        'nanoclaw_test_seconds_sum 3.55',
        'nanoclaw_test_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('renders counters by label set and gauges read at render time', () => {
    const m = new Metrics();
    const count = m.counter('nanoclaw_things_total', 'Things');
    count({ kind: 'a' });
    count({ kind: 'a' }, 2);
    let n = 1;
    m.gauge('nanoclaw_level', 'Level', () => n);
    n = 7;
    expect(m.render()).toContain('nanoclaw_things_total{kind="a"} 3\n');
    expect(m.render()).toContain('nanoclaw_level 7\n');
  });
});
