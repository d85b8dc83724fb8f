/**
 * The chart's CRD templates are exactly what hack/helm/crds.ts makes of crds/ (no drift, no stray files), and
 * every CRD in crds/ has one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../hack/repo-root.js';
import { CHART_CRDS_DIR, renderChartCrds } from '../../hack/helm/crds.js';

const dir = path.join(repoRoot(), CHART_CRDS_DIR);
const REGENERATE = "run `npm run crds:generate` (it regenerates crds/ and the chart's copies)";

describe('chart CRD templates', () => {
  it('match crds/ exactly', () => {
    const wanted = renderChartCrds();
    expect(wanted.size).toBeGreaterThanOrEqual(3);
    expect(fs.readdirSync(dir).sort(), REGENERATE).toEqual([...wanted.keys()].sort());
    for (const [file, content] of wanted) {
      expect(fs.readFileSync(path.join(dir, file), 'utf8'), `${file}: ${REGENERATE}`).toBe(content);
    }
  });

  it('are gated by crds.install and annotated keep by crds.keep', () => {
    for (const content of renderChartCrds().values()) {
      expect(content).toMatch(/^\{\{- if \.Values\.crds\.install \}\}$/m);
      expect(content).toContain(
        '{{- if .Values.crds.keep }}\n  annotations:\n    helm.sh/resource-policy: keep\n',
      );
      expect(content.trimEnd().endsWith('{{- end }}')).toBe(true);
    }
  });

  it('would notice a drift', () => {
    const [file, content] = [...renderChartCrds()][0]!;
    const tampered = content.replace('served: true', 'served: false');
    expect(tampered).not.toBe(fs.readFileSync(path.join(dir, file), 'utf8'));
  });
});
