/**
 * pino JSON logs to stdout. Every line carries sessionId and agentGroup. Message bodies only at debug level;
 * tokens never (the config object is never logged whole).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, sessionId: string, agentGroup: string): Logger {
  return pino({
    level,
    base: { component: 'agent-runner', sessionId, agentGroup, pid: process.pid },
    redact: { paths: ['token', 'sessionToken', 'authorization', 'apiKey'], censor: '[redacted]' },
  });
}
