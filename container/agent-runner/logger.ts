/**
 * pino JSON logs to stdout. Every line carries sessionId and agentGroup. Message bodies only at debug level;
 * tokens never, at any depth: the merge object, errors, child bindings and the message string all go through
 * protocol/log-redact.ts (the host's logger uses the same rules).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from '../../protocol/log-redact.js';

export type { Logger };

export function createLogger(
  level: string,
  sessionId: string,
  agentGroup: string,
  stream?: DestinationStream,
): Logger {
  const logger = pino(
    {
      level,
      base: { component: 'agent-runner', sessionId, agentGroup, pid: process.pid },
      formatters: { log: (obj) => redact(obj) as Record<string, unknown> },
      serializers: { err: (err: unknown) => err, msg: (msg: unknown) => redact(msg) },
    },
    stream,
  );
  const pinoProto = Object.getPrototypeOf(logger) as Pick<Logger, 'child'>;
  logger.child = function (this: Logger, bindings, options) {
    return pinoProto.child.call(this, redact(bindings) as pino.Bindings, options);
  } as Logger['child'];
  return logger;
}
