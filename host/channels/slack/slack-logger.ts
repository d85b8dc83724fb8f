/**
 * The Slack SDKs' Logger interface on top of pino. The SDKs' debug output is dropped, not forwarded: it carries
 * whole payloads and the Socket Mode connection URL (a short-lived credential). Their info, warn and error lines
 * are logged with the SDK's message text only.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'pino';

function text(msg: unknown[]): string {
  return msg
    .map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m)))
    .join(' ');
}

export function slackLogger(log: Logger): SlackLogger {
  let name = 'slack';
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => log.info({ sdk: name }, text(msg)),
    warn: (...msg: unknown[]) => log.warn({ sdk: name }, text(msg)),
    error: (...msg: unknown[]) => log.error({ sdk: name }, text(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: (n: string) => {
      name = n;
    },
  };
}
