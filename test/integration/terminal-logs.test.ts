/**
 * The log format `nanoclaw start` picks: coloured one-line records and a start-up banner on a terminal (a real
 * pseudo-terminal, test/support/pty.ts), JSON lines when stdout is a pipe, and LOG_FORMAT forcing either.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { CLI, startHostProcess, tempDir } from '../support/host-process.js';
import { spawnInPty } from '../support/pty.js';

const SIGN_IN = /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+$/m;

function startInPty(env: Record<string, string> = {}) {
  const dataDir = tempDir('nc-logs-');
  return spawnInPty([process.execPath, CLI, 'start', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), NANOCLAW_DATA_DIR: dataDir, ...env },
    cwd: dataDir,
  });
}

describe('log format', () => {
  it('on a terminal: coloured lines, the banner, the sign-in URL on its own line; Ctrl-C stops it', async () => {
    const term = startInPty();
    try {
      await term.waitFor(SIGN_IN, 30_000);
      const text = term.text();
      expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: host ready \{"webUrl":/m);
      expect(term.raw()).toContain('\u001b[32mINFO\u001b[39m');
      expect(text).not.toMatch(/^\{"level"/m);
      expect(text).toMatch(/^NanoClaw \d+\.\d+\.\d+ · embedded mode · runners as local processes$/m);
      expect(text).toMatch(/^ {2}loaded {2}1 agent group, 1 chat$/m);
      expect(text).toMatch(/^ {2}model {3}mock provider \(no ANTHROPIC_API_KEY\)$/m);
      expect(text).not.toContain('starting host');
      term.type('\u0003');
      await term.waitFor(/INFO: host stopped/, 30_000);
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
  });

  it('on a terminal with LOG_FORMAT=json: JSON lines and a "nanoclaw started" record instead of the banner', async () => {
    const term = startInPty({ LOG_FORMAT: 'json' });
    try {
      await term.waitFor(SIGN_IN, 30_000);
      const records = term
        .text()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.find((r) => r.msg === 'nanoclaw started')).toMatchObject({
        level: 30,
        mode: 'embedded',
        runtime: 'local-process',
        agentGroups: 1,
        chats: 1,
      });
      expect(term.raw()).not.toContain('\u001b[32m');
      expect(term.text()).not.toContain('embedded mode ·');
    } finally {
      term.kill();
    }
  });

  it('to a pipe: JSON, without the config dump at info; LOG_FORMAT=pretty forces plain lines', async () => {
    const json = await startHostProcess({
      dataDir: tempDir('nc-logs-'),
      verb: 'start',
      env: { LOG_LEVEL: 'info' },
    });
    const pretty = await startHostProcess({
      dataDir: tempDir('nc-logs-'),
      verb: 'start',
      env: { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' },
    });
    try {
      expect(json.logs.find((l) => l.msg === 'host ready')).toMatchObject({ level: 30 });
      expect(json.logs.some((l) => 'config' in l)).toBe(false);
      expect(json.output.join('\n')).not.toContain('NANOCLAW_NAMESPACE');
      expect(pretty.output.some((l) => /^\[[\d:.]+\] INFO: host ready /.test(l))).toBe(true);
      expect(pretty.output.join('\n')).not.toContain('\u001b[');
      expect(pretty.logs.filter((l) => l.pid !== undefined && !('component' in l))).toEqual([]);
    } finally {
      await json.stop();
      await pretty.stop();
    }
  });
});
