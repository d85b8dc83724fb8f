/**
 * The one logger factory. Message bodies are only logged at debug.
 *
 * Format: JSON lines (pino's own) or, for people, one coloured line per record (pino-pretty used as an in-process
 * stream: no worker thread, lines written synchronously and in order with the process's other output).
 * LOG_FORMAT=json|pretty decides; unset, it is pretty when stdout is a terminal and JSON otherwise. Colours only
 * go to a terminal (and NO_COLOR turns them off).
 *
 * Invariant: no secret reaches a log line, at any depth. Every logged object (the merge object, child bindings,
 * errors — their message, stack and properties — and the message string) goes through `redact` before pino
 * serializes it:
 * - a key named like a secret (SECRET_KEY: …token, …secret, …password, …apiKey/api_key/x-api-key, …cookie,
 *   …authorization) has its value replaced, whatever the value is;
 * - a value that looks like one of our tokens (`nct_…`) or an Anthropic key (`sk-ant-…`) is replaced inside any
 *   string, whatever its key.
 * The walk goes as deep as the value (pino prints everything JSON.stringify does) and copies only what it
 * changes, so a hot log line without secrets or errors costs one regex test per key and per string and one
 * small array.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

const CENSOR = '[redacted]';
const SECRET_KEY = /(?:token|secret|password|api[-_]?key|cookies?|authorization)$/i;
const SECRET_VALUE = /\b(?:nct_|sk-ant-)[\w-]+/g;

/** LOG_FORMAT's values (parsed by LogFormatEnv in host/config.ts). */
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  name?: string;
  /** LOG_FORMAT; unset: pretty when stdout is a terminal, else JSON. */
  format?: LogFormat;
  /** Where lines go (default stdout). Pretty lines to a stream are never coloured. */
  stream?: DestinationStream;
}

/** The format used when LOG_FORMAT is unset. */
export function defaultLogFormat(isTTY = process.stdout.isTTY === true): LogFormat {
  return isTTY ? 'pretty' : 'json';
}

function prettyStream(stream: DestinationStream | undefined): DestinationStream {
  return pretty({
    ...(stream
      ? { destination: stream as NodeJS.WritableStream, colorize: false }
      : { destination: 1, colorize: process.stdout.isTTY === true && !process.env.NO_COLOR }),
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
  });
}

export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const { name = 'nanoclaw', stream } = opts;
  const format = opts.format ?? (stream ? 'json' : defaultLogFormat());
  const logger = pino(
    {
      name,
      level,
      base: { pid: process.pid },
      formatters: { log: (obj) => redact(obj) as Record<string, unknown> },
      // Errors are serialized (and redacted) by formatters.log already; the message string is redacted here.
      serializers: { err: (err: unknown) => err, msg: (msg: unknown) => redact(msg) },
    },
    // Synchronous writes keep log lines in order with what the process prints itself (the sign-in URL line).
    format === 'pretty' ? prettyStream(stream) : (stream ?? pino.destination({ dest: 1, sync: true })),
  );
  // Child bindings skip formatters.log; redact them too, for every descendant (they inherit this own property).
  const pinoProto = Object.getPrototypeOf(logger) as Pick<Logger, 'child'>;
  logger.child = function (this: Logger, bindings, options) {
    return pinoProto.child.call(this, redact(bindings) as pino.Bindings, options);
  } as Logger['child'];
  return logger;
}

/**
 * The value with secrets replaced; the same value (not a copy) when there is nothing to replace. `path` holds the
 * objects being walked, so a cycle ends as "[Circular]" instead of pointing back into unredacted originals.
 */
function redact(value: unknown, path?: object[]): unknown {
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
