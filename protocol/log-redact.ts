/**
 * Secret redaction for log lines, shared by the host's and the agent-runner's loggers (pino `formatters.log`,
 * the `msg` serializer and child bindings all go through `redact`).
 *
 * Invariants:
 * - a key named like a secret (SECRET_KEY: …token, …secret, …password, …apiKey/api_key/x-api-key, …cookie,
 *   …authorization) has its value replaced, whatever the value is, at any depth;
 * - a value that looks like one of our tokens (`nct_…`) or an Anthropic key (`sk-ant-…`) is replaced inside any
 *   string, whatever its key;
 * - errors are serialized first (message, stack, properties), then redacted; a cycle ends as "[Circular]";
 * - the walk goes as deep as the value (pino prints everything JSON.stringify does) and copies only what it
 *   changes, so a line without secrets costs one regex test per key and per string.
 */
import pino from 'pino';

const CENSOR = '[redacted]';
const SECRET_KEY = /(?:token|secret|password|api[-_]?key|cookies?|authorization)$/i;
const SECRET_VALUE = /\b(?:nct_|sk-ant-)[\w-]+/g;

/**
 * The value with secrets replaced; the same value (not a copy) when there is nothing to replace. `path` holds the
 * objects being walked, so a cycle ends as "[Circular]" instead of pointing back into unredacted originals.
 */
export function redact(value: unknown, path?: object[]): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, CENSOR);
  if (typeof value !== 'object' || value === null) return value;
  path ??= [];
  if (path.includes(value)) return '[Circular]';
  if (value instanceof Error) return redact(pino.stdSerializers.err(value), path);
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return redact(json.call(value), path);
  path.push(value);
  try {
    return Array.isArray(value)
      ? redactItems(value, path)
      : redactEntries(value as Record<string, unknown>, path);
  } finally {
    path.pop();
  }
}

function redactItems(items: unknown[], path: object[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const clean = redact(items[i], path);
    if (clean !== items[i]) (out ??= [...items])[i] = clean;
  }
  return out ?? items;
}

function redactEntries(record: Record<string, unknown>, path: object[]): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const clean = SECRET_KEY.test(key) ? CENSOR : redact(item, path);
    if (clean !== item) (out ??= { ...record })[key] = clean;
  }
  return out ?? record;
}
