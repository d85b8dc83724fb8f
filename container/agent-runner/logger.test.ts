import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const TOKEN = `nct_${'Q7w8'.repeat(11)}`;

function captured() {
  const raw: string[] = [];
  const log = createLogger('debug', 'sess-1', 'helper', { write: (l: string) => void raw.push(l) });
  return {
    log,
    raw: () => raw.join(''),
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('agent-runner log redaction', () => {
  it('redacts nested request headers and error configs', () => {
    const { log, raw, lines } = captured();
    log.warn({ req: { headers: { authorization: 'Bearer hunter2-auth', accept: '*/*' } } }, 'call');
    log.error({ err: { config: { apiKey: 'hunter2-key', url: 'http://host/x' } } }, 'failed');
    expect(raw()).not.toContain('hunter2');
    expect(lines()[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', accept: '*/*' } },
      sessionId: 'sess-1',
      agentGroup: 'helper',
    });
    expect(lines()[1]).toMatchObject({ err: { config: { apiKey: '[redacted]', url: 'http://host/x' } } });
  });

  it('redacts a session token in errors, messages and child bindings', () => {
    const { log, raw } = captured();
    log.error({ err: new Error(`channel refused ${TOKEN}`) }, 'channel down');
    log.info(`token ${TOKEN}`);
    log.child({ channel: { sessionToken: TOKEN } }).info('child');
    expect(raw()).not.toContain(TOKEN);
    expect(raw()).not.toContain('Q7w8');
  });
});
