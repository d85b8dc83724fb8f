/**
 * Offline JSON schemas for kubeconform, one file per kind, named `<kind><KindSuffix>.json` (kubeconform's
 * `{{ .ResourceKind }}{{ .KindSuffix }}.json`, e.g. deployment-apps-v1.json, agentgroup-nanoclaw-v1alpha1.json):
 *   - built-in kinds from a real kube-apiserver's /openapi/v2 (each file carries the definitions it references);
 *   - custom resources from the CRDs' openAPIV3Schema.
 * Strict like the API server's strict field validation: objects with declared properties refuse unknown ones
 * (unless they preserve unknown fields); int-or-string and quantities accept both forms; nullable allows null.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  $ref?: string;
};

export interface OpenApiV2 {
  definitions: Record<string, Schema & { 'x-kubernetes-group-version-kind'?: Gvk[] }>;
}
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export function schemaFileName(g: Gvk): string {
  const suffix = g.group ? `-${g.group.split('.')[0]!.toLowerCase()}-${g.version}` : `-${g.version}`;
  return `${g.kind.toLowerCase()}${suffix}.json`;
}

/** A copy of `s` with strictness added and Kubernetes extensions turned into plain JSON schema. */
function tighten(s: Schema): Schema {
  const out: Schema = { ...s };
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, tighten(v)]));
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true)
      out.additionalProperties = false;
  }
  if (out.items) out.items = tighten(out.items);
  if (typeof out.additionalProperties === 'object')
    out.additionalProperties = tighten(out.additionalProperties);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map(tighten);
  }
  return out;
}

function refsOf(s: unknown, into: Set<string>): void {
  if (Array.isArray(s)) for (const v of s) refsOf(v, into);
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string') into.add(v.replace('#/definitions/', ''));
      else refsOf(v, into);
    }
  }
}

/** Writes one schema file per built-in kind of the API server's OpenAPI v2 document; returns how many. */
export function writeBuiltinSchemas(openapi: OpenApiV2, dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  const defs: Record<string, Schema> = {};
  for (const [name, def] of Object.entries(openapi.definitions)) {
    if (name === INT_OR_STRING) defs[name] = { anyOf: [{ type: 'string' }, { type: 'integer' }] };
    else if (name === QUANTITY) defs[name] = { anyOf: [{ type: 'string' }, { type: 'number' }] };
    else defs[name] = tighten(def);
  }
  let written = 0;
  for (const [name, def] of Object.entries(openapi.definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const needed = new Set<string>([name]);
      for (let frontier = [name]; frontier.length > 0;) {
        const next = new Set<string>();
        for (const n of frontier) refsOf(defs[n], next);
        frontier = [...next].filter((n) => !needed.has(n));
        for (const n of frontier) needed.add(n);
      }
      const file = {
        $ref: `#/definitions/${name}`,
        definitions: Object.fromEntries([...needed].map((n) => [n, defs[n]])),
      };
      fs.writeFileSync(path.join(dir, schemaFileName(gvk)), JSON.stringify(file));
      written++;
    }
  }
  return written;
}

/** Writes one schema file per version of every CRD in `crdDir`; returns the file names. */
export function writeCrdSchemas(crdDir: string, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (const file of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec: {
          group: string;
          names: { kind: string };
          versions: { name: string; schema: { openAPIV3Schema: Schema } }[];
        };
      };
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        const schema = tighten(v.schema.openAPIV3Schema);
        // kubeconform validates apiVersion/kind itself; metadata is the API server's ObjectMeta.
        schema.properties = { ...schema.properties, metadata: { type: 'object' } };
        const name = schemaFileName({ group: crd.spec.group, version: v.name, kind: crd.spec.names.kind });
        fs.writeFileSync(path.join(dir, name), JSON.stringify(schema));
        names.push(name);
      }
    }
  }
  return names;
}
