/**
 * values.schema.json covers every value in values.yaml (each leaf resolves to a schema; every chart-owned key
 * has a description), and docs/install.md carries the current generated values table.
 */
import { describe, expect, it } from 'vitest';
import {
  expectedDoc,
  loadChartSchema,
  loadChartValues,
  resolve,
  valuesRows,
  type JsonSchema,
} from '../../hack/helm/values-table.js';

/** The schema a value path resolves to, or undefined when the schema does not allow it. */
function schemaAt(root: JsonSchema, keys: string[]): JsonSchema | undefined {
  let s: JsonSchema | undefined = root;
  for (const key of keys) {
    if (!s) return undefined;
    s = resolve(root, s).schema;
    // A Kubernetes object passed through as it is (e.g. a NetworkPolicy peer): the API server checks its inside.
    if (s.type === 'object' && !s.properties && s.additionalProperties === undefined) return s;
    if (/^\d+$/.test(key)) s = s.items;
    else if (s.properties?.[key]) s = s.properties[key];
    else if (typeof s.additionalProperties === 'object') s = s.additionalProperties;
    else return undefined;
  }
  return s && resolve(root, s).schema;
}

function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([k, v]) => leaves(v, [...prefix, k]));
  }
  return [prefix];
}

describe('values.schema.json', () => {
  const schema = loadChartSchema();

  it('has a schema for every value in values.yaml', () => {
    const paths = leaves(loadChartValues());
    expect(paths.length).toBeGreaterThan(50);
    for (const p of paths) expect(schemaAt(schema, p), p.join('.')).toBeDefined();
  });

  it('refuses keys it does not know, at every level of chart-owned objects', () => {
    expect(schema.additionalProperties).toBe(false);
    const walk = (s: JsonSchema, at: string): void => {
      const r = resolve(schema, s).schema;
      if (!r.properties) return;
      expect(r.additionalProperties, at).toBe(false);
      for (const [k, v] of Object.entries(r.properties)) walk(v, `${at}.${k}`);
    };
    walk(schema, 'values');
  });

  it('describes every row of the values table', () => {
    const rows = valuesRows();
    expect(rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(['image.repository', 'persistence.storageClass']),
    );
    for (const r of rows) expect(r.description, r.key).not.toBe('');
  });

  it('matches the table in docs/install.md', async () => {
    const { current, expected } = await expectedDoc();
    expect(current, 'run `npm run build && node dist/hack/helm/values-table.js`').toBe(expected);
  });
});
