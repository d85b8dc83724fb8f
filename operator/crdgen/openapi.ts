/**
 * zod → Kubernetes structural OpenAPI v3 schema.
 *
 * Starts from zod's own JSON Schema output (input view, so fields with defaults are optional and carry
 * `default`) and rewrites it into what a CRD accepts: no `$schema`, no `additionalProperties: false`, no
 * `propertyNames`, int-or-string unions as `x-kubernetes-int-or-string`, `preserve-unknown-fields` objects
 * without properties, and no ±2^53 bounds zod adds to plain integers. Anything else that is not structural
 * (an `anyOf` of other shapes, a missing `type`) throws, so a schema change that the API server would refuse
 * fails the generator, not the install.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const DROP_KEYS = new Set(['$schema', 'propertyNames', 'const']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function convert(node: JsonSchema, path: string): JsonSchema {
  const out: JsonSchema = {};
  if (Array.isArray(node.anyOf)) {
    const branches = node.anyOf as JsonSchema[];
    const types = branches.map((b) => b.type).sort();
    if (node['x-kubernetes-int-or-string'] !== true || types.join() !== 'integer,string') {
      throw new Error(`${path}: only int-or-string unions are structural (got ${types.join(', ')})`);
    }
    const str = branches.find((b) => b.type === 'string')!;
    for (const [k, v] of Object.entries(node)) if (k !== 'anyOf') out[k] = v;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    if (str.pattern) out.pattern = str.pattern;
    if (str.maxLength !== undefined) out.maxLength = str.maxLength;
    return out;
  }
  for (const [key, value] of Object.entries(node)) {
    if (DROP_KEYS.has(key)) continue;
    if (
      key === 'additionalProperties' &&
      (value === false || (isRecord(value) && Object.keys(value).length === 0))
    ) {
      continue;
    }
    if (key === 'properties' && isRecord(value)) {
      if (node['x-kubernetes-preserve-unknown-fields'] === true) continue;
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, convert(child as JsonSchema, `${path}.${name}`)]),
      );
      continue;
    }
    if (key === 'items' && isRecord(value)) {
      out.items = convert(value, `${path}[]`);
      continue;
    }
    if (key === 'additionalProperties' && isRecord(value)) {
      out.additionalProperties = convert(value, `${path}{}`);
      continue;
    }
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) {
      continue;
    }
    out[key] = value;
  }
  if (typeof node.const === 'string') {
    out.enum = [node.const];
  }
  if (!out.type && out['x-kubernetes-int-or-string'] !== true) {
    throw new Error(`${path}: every node of a structural schema needs a type`);
  }
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return out;
}

/** The structural schema of a zod object, with keys in a stable order. */
export function toStructuralSchema(schema: z.ZodType, path = ''): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  return sortKeys(convert(json, path)) as JsonSchema;
}

const KEY_ORDER = [
  'rule',
  'message',
  'fieldPath',
  'reason',
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'anyOf',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'x-kubernetes-validations',
];

/** Orders schema keywords for readable YAML; property names keep their declaration order. */
function sortKeys(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => sortKeys(n));
  if (!isRecord(node)) return node;
  const entries = Object.entries(node);
  if (!isPropertyMap) {
    const rank = (k: string) => {
      const i = KEY_ORDER.indexOf(k);
      return i === -1 ? KEY_ORDER.length : i;
    };
    entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  }
  return Object.fromEntries(
    entries.map(([k, v]) => [k, k === 'properties' && !isPropertyMap ? sortKeys(v, true) : sortKeys(v)]),
  );
}
