/**
 * The one logger factory: pino JSON to stdout (or the given stream). Message bodies are only logged at debug.
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
import { redact } from '../protocol/log-redact.js';

export function createLogger(level: string, name = 'nanoclaw', stream?: DestinationStream): Logger {
  const logger = pino(
    {
      name,
      level,
      base: { pid: process.pid },
      formatters: { log: (obj) => redact(obj) as Record<string, unknown> },
      // Errors are serialized (and redacted) by formatters.log already; the message string is redacted here.
      serializers: { err: (err: unknown) => err, msg: (msg: unknown) => redact(msg) },
    },
    stream,
  );
  // Child bindings skip formatters.log; redact them too, for every descendant (they inherit this own property).
  const pinoProto = Object.getPrototypeOf(logger) as Pick<Logger, 'child'>;
  logger.child = function (this: Logger, bindings, options) {
    return pinoProto.child.call(this, redact(bindings) as pino.Bindings, options);
  } as Logger['child'];
  return logger;
}
