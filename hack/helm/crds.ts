/**
 * Generates charts/nanoclaw/templates/crds/*.yaml from crds/*.yaml (themselves generated from operator/api), so
 * Helm installs and upgrades the CRDs as ordinary templates (it never upgrades a chart's crds/ folder).
 *
 * Each template is the CRD unchanged except: rendered only with crds.install, and annotated
 * helm.sh/resource-policy: keep with crds.keep (uninstall and crds.install=false then leave the CRDs, and with them
 * every custom resource, in place). hack/helm/crds.test.ts fails when the chart's copies drift.
 *
 *   npm run crds:generate   (regenerates crds/ and these copies)
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../repo-root.js';

export const CHART_CRDS_DIR = path.join('charts', 'nanoclaw', 'templates', 'crds');

function template(source: string, file: string): string {
  const body = source
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    // Anything that looks like a template action in a description is printed literally.
    .replace(/\{\{|\}\}/g, (m) => `{{ "${m}" }}`);
  const metadata = /^metadata:\n {2}name: [^\n]+\n/m;
  if (!metadata.test(body)) throw new Error(`${file}: no top-level metadata.name to annotate`);
  const annotated = body.replace(
    metadata,
    (m) =>
      `${m}  {{- if .Values.crds.keep }}\n  annotations:\n    helm.sh/resource-policy: keep\n  {{- end }}\n`,
  );
  return [
    `{{- /* Generated from crds/${file} by hack/helm/crds.ts; do not edit (hack/helm/crds.test.ts checks it). */ -}}`,
    '{{- if .Values.crds.install }}',
    annotated.trimEnd(),
    '{{- end }}',
    '',
  ].join('\n');
}

/** File name → content of every chart CRD template, from the repository's crds/ folder. */
export function renderChartCrds(root = repoRoot()): Map<string, string> {
  const dir = path.join(root, 'crds');
  const out = new Map<string, string>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    out.set(file, template(fs.readFileSync(path.join(dir, file), 'utf8'), file));
  }
  return out;
}

export function writeChartCrds(root = repoRoot()): string[] {
  const dir = path.join(root, CHART_CRDS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const wanted = renderChartCrds(root);
  const changed: string[] = [];
  for (const stale of fs.readdirSync(dir).filter((f) => !wanted.has(f))) {
    fs.rmSync(path.join(dir, stale));
    changed.push(stale);
  }
  for (const [file, content] of wanted) {
    const target = path.join(dir, file);
    if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== content) {
      fs.writeFileSync(target, content);
      changed.push(file);
    }
  }
  return changed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const changed = writeChartCrds();
  process.stdout.write(
    changed.length ? `${CHART_CRDS_DIR}: updated ${changed.join(', ')}\n` : `${CHART_CRDS_DIR}: up to date\n`,
  );
}
