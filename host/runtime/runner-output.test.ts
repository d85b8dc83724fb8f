import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { runnerOutput } from './runner-output.js';

describe('runner output in pretty mode', () => {
  it('re-logs a runner record at its level with its fields, and plain text as text, both redacted', () => {
    const lines: string[] = [];
    const log = createLogger('debug', {
      format: 'json',
      stream: { write: (l: string) => void lines.push(l) },
    });
    const out = runnerOutput(log);
    out(
      JSON.stringify({
        level: 40,
        time: 1,
        pid: 7,
        hostname: 'h',
        component: 'agent-runner',
        sessionId: 's1',
        msg: 'turn failed',
        token: 'nct_secret',
      }),
    );
    out('Error: something printed without a logger sk-ant-abc123');
    const [record, text] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(record).toMatchObject({
      level: 40,
      msg: 'turn failed',
      component: 'agent-runner',
      sessionId: 's1',
    });
    expect(record!.token).toBe('[redacted]');
    expect(text).toMatchObject({
      level: 30,
      component: 'agent-runner',
      msg: 'Error: something printed without a logger [redacted]',
    });
  });
});
