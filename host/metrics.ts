/** A few counters, gauges and histograms in Prometheus text format; labels are fixed small sets, never user data. */
type Labels = Record<string, string>;

export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();
  private readonly histograms = new Map<
    string,
    { help: string; buckets: readonly number[]; counts: number[]; sum: number; count: number }
  >();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const entry = { help, values: new Map<string, number>() };
    this.counters.set(name, entry);
    return (labels = {}, by = 1) => {
      const key = Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
        .join(',');
      entry.values.set(key, (entry.values.get(key) ?? 0) + by);
    };
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  /** A histogram without labels; `buckets` are the upper bounds, ascending (+Inf is added). */
  histogram(name: string, help: string, buckets: readonly number[]): (value: number) => void {
    const entry = { help, buckets, counts: buckets.map(() => 0), sum: 0, count: 0 };
    this.histograms.set(name, entry);
    return (value) => {
      buckets.forEach((le, i) => {
        if (value <= le) entry.counts[i]!++;
      });
      entry.sum += value;
      entry.count++;
    };
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, { help, values }] of this.counters) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      if (values.size === 0) lines.push(`${name} 0`);
      for (const [key, v] of values) lines.push(`${name}${key ? `{${key}}` : ''} ${v}`);
    }
    for (const [name, { help, read }] of this.gauges) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    for (const [name, h] of this.histograms) {
      lines.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      h.buckets.forEach((le, i) => lines.push(`${name}_bucket{le="${le}"} ${h.counts[i]}`));
      lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
