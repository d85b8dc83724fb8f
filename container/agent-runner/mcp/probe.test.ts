import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { mcpFailureNote, probeMcpServers } from './probe.js';

const log = pino({ level: 'silent' });

describe('MCP server probe', () => {
  it('gives up on a server that never answers within the time, and keeps it from the provider', async () => {
    const started = Date.now();
    const hang = {
      name: 'hang',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      env: {},
    };
    const out = await probeMcpServers([hang], process.cwd(), log, 1000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out.ready).toEqual([]);
    expect(out.reports).toEqual([{ name: 'hang', state: 'failed', tools: 0, error: 'no answer within 1 s' }]);
  });

  it('keeps the reason to one bounded line, with the end of the server’s stderr', async () => {
    const noisy = {
      name: 'noisy',
      command: process.execPath,
      args: ['-e', 'process.stderr.write("bad\\nconfig\\n" + "x".repeat(2000)); process.exit(2)'],
      env: {},
    };
    const [report] = (await probeMcpServers([noisy], process.cwd(), log, 5000)).reports;
    expect(report!.state).toBe('failed');
    expect(report!.error!.length).toBeLessThanOrEqual(500);
    expect(report!.error).not.toMatch(/\n/);
    expect(report!.error).toContain('(stderr: ');
  });

  it('tells the agent nothing when every server started', () => {
    expect(mcpFailureNote([{ name: 'a', state: 'ready', tools: 1 }])).toBeNull();
    expect(mcpFailureNote([{ name: 'a', state: 'failed', tools: 0, error: 'exit 2' }])).toContain(
      '- a: exit 2',
    );
  });
});
