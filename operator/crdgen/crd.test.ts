import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KINDS } from '../api/v1alpha1/kinds.js';
import { buildCrd, crdFileName, renderAll } from './crd.js';
import type { JsonSchema } from './openapi.js';

const crdDir = path.resolve(import.meta.dirname, '../../crds');

/** Walks every schema node below `node`, with its path. */
function* nodes(node: JsonSchema, at: string): Generator<[string, JsonSchema]> {
  yield [at, node];
  const props = (node.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, child] of Object.entries(props)) yield* nodes(child, `${at}.${name}`);
  if (node.items) yield* nodes(node.items as JsonSchema, `${at}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    yield* nodes(node.additionalProperties as JsonSchema, `${at}{}`);
}

function rootSchema(kind: (typeof KINDS)[number]): JsonSchema {
  const crd = buildCrd(kind) as { spec: { versions: { schema: { openAPIV3Schema: JsonSchema } }[] } };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

/** Loose view of a parsed CRD for assertions. */
interface Crd {
  spec: {
    names: { shortNames: string[] };
    versions: {
      subresources: unknown;
      additionalPrinterColumns: { name: string }[];
      schema: { openAPIV3Schema: { properties: { spec: Node } } };
    }[];
  };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep schema assertions read arbitrary keys
type Node = Record<string, any>;

describe('generated CRDs', () => {
  it('crds/ matches the zod source of truth (run `npm run crds:generate` after changing operator/api)', () => {
    const expected = renderAll();
    if (process.env.UPDATE_CRDS === '1') {
      for (const [name, content] of expected) fs.writeFileSync(path.join(crdDir, name), content);
    }
    const onDisk = fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect(fs.readFileSync(path.join(crdDir, name), 'utf8'), name).toBe(content);
    }
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))(
    '%s: every field has a description and a type',
    (_n, kind) => {
      const root = rootSchema(kind);
      const top = Object.entries(root.properties as Record<string, JsonSchema>);
      let checked = 0;
      for (const [at, node] of top.flatMap(([name, n]) => [...nodes(n, name)])) {
        if (at === 'metadata') continue;
        checked++;
        expect(node.description, `${at} has no description`).toEqual(expect.any(String));
        if (node['x-kubernetes-int-or-string'] !== true) expect(node.type, `${at} has no type`).toBeDefined();
        expect(node.additionalProperties, `${at}: additionalProperties false is not structural`).not.toBe(
          false,
        );
      }
      expect(checked).toBeGreaterThan(10);
    },
  );

  it('keeps the decided names, defaults and rules', () => {
    const [ag, mg, ur] = KINDS.map((k) => parse(renderAll().get(crdFileName(k))!) as Crd);
    expect(ag!.spec.names).toMatchObject({
      kind: 'AgentGroup',
      shortNames: ['ag'],
      categories: ['nanoclaw'],
    });
    expect(mg!.spec.names.shortNames).toEqual(['mg']);
    expect(ur!.spec.names.shortNames).toEqual(['ur']);
    const agSpec = ag!.spec.versions[0]!.schema.openAPIV3Schema.properties.spec;
    expect(agSpec.properties.provider.default).toBe('claude');
    expect(agSpec.properties.runner.properties.idleTimeout.default).toBe('30m');
    expect(agSpec.properties.runner.properties.env['x-kubernetes-list-map-keys']).toEqual(['name']);
    expect((agSpec['x-kubernetes-validations'] as { rule: string }[]).map((v) => v.rule)).toContain(
      '!has(oldSelf.folder) || (has(self.folder) && self.folder == oldSelf.folder)',
    );
    const cpu = agSpec.properties.runner.properties.resources.properties.requests.properties.cpu;
    expect(cpu['x-kubernetes-int-or-string']).toBe(true);
    const mgSpec = mg!.spec.versions[0]!.schema.openAPIV3Schema.properties.spec;
    expect(mgSpec.properties.channel['x-kubernetes-validations']).toEqual([
      { rule: 'self == oldSelf', message: 'channel is immutable' },
    ]);
    expect(mgSpec.properties.unknownSenderPolicy.default).toBe('strict');
    const wiring = mgSpec.properties.agents.items;
    expect(mgSpec.properties.agents['x-kubernetes-list-map-keys']).toEqual(['agentGroup']);
    expect(wiring.properties.priority).toMatchObject({ minimum: -1000, maximum: 1000, default: 0 });
    expect(wiring.properties.engage.default).toEqual({ mode: 'mention' });
    for (const crd of [ag, mg, ur]) {
      const version = crd!.spec.versions[0]!;
      expect(version.subresources).toEqual({ status: {} });
      expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual(
        expect.arrayContaining(['Ready', 'Age']),
      );
    }
  });
});
