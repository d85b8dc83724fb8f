/** How init-first-agent prints what it did: a table (default) or JSON (`-o json`). */
import type { Step } from '../../host/onboarding/steps.js';

export type OutputFormat = 'table' | 'json';

export function formatSteps(steps: readonly Step[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify({ steps }, null, 2)}\n`;
  const header: Step = { object: 'OBJECT', id: 'ID', action: 'ACTION' as Step['action'], detail: 'DETAIL' };
  const rows = [header, ...steps];
  const width = (k: 'object' | 'id' | 'action') => Math.max(...rows.map((r) => r[k].length));
  const [wo, wi, wa] = [width('object'), width('id'), width('action')];
  return rows
    .map((r) => `${r.object.padEnd(wo)}  ${r.id.padEnd(wi)}  ${r.action.padEnd(wa)}  ${r.detail}`.trimEnd())
    .join('\n')
    .concat('\n');
}
