/**
 * The one logger factory: pino JSON to stdout. Secrets are redacted by key wherever they might appear; message
 * bodies are only logged at debug.
 */
import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'nanoclaw'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'apiKey',
        'anthropicApiKey',
        'token',
        'webToken',
        '*.apiKey',
        '*.token',
        'headers.authorization',
        'headers["x-api-key"]',
      ],
      censor: '[redacted]',
    },
  });
}
