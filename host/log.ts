/**
 * The one logger factory. Message bodies are only logged at debug.
 *
 * Format: JSON lines (pino's own) or, for people, one coloured line per record (pino-pretty used as an in-process
 * stream: no worker thread, lines written synchronously and in order with the process's other output).
 * LOG_FORMAT=json|pretty decides; unset, it is pretty when stdout is a terminal and JSON otherwise. Colours only
 * go to a terminal (and NO_COLOR turns them off).
 *
 * Invariant: no secret reaches a log line, at any depth. Every logged object (the merge object, child bindings,
 * errors — their message, stack and properties — and the message string) goes through `redact`
 * (protocol/log-redact.ts, shared with the runner's logger) before pino serializes it, in both formats.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redact } from '../protocol/log-redact.js';

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
