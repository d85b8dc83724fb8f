/** How init-first-agent prints what it did: a table (default), JSON or YAML (`-o json|yaml`). */
import { stringify } from 'yaml';
import type { Step } from '../../host/onboarding/steps.js';
import type { OutputFormat } from '../output.js';

export function formatSteps(steps: readonly Step[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify({ steps }, null, 2)}\n`;
  if (format === 'yaml') return stringify({ steps });
  const header: Step = { object: 'OBJECT', id: 'ID', action: 'ACTION' as Step['action'], detail: 'DETAIL' };
  const rows = [header, ...steps];
  const width = (k: 'object' | 'id' | 'action') => Math.max(...rows.map((r) => r[k].length));
  const [wo, wi, wa] = [width('object'), width('id'), width('action')];
  return rows
    .map((r) => `${r.object.padEnd(wo)}  ${r.id.padEnd(wi)}  ${r.action.padEnd(wa)}  ${r.detail}`.trimEnd())
    .join('\n')
    .concat('\n');
}
