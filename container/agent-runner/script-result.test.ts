import { describe, expect, it } from 'vitest';
import { interpretScriptRun, type ScriptRun } from './script-result.js';

function run(over: Partial<ScriptRun>): ScriptRun {
  return {
    code: 0,
    stdout: '',
    stderr: '',
    killed: null,
    timeoutMs: 30_000,
    maxOutputBytes: 65_536,
    ...over,
  };
}

describe('interpretScriptRun', () => {
  it('reads wakeAgent false from the last non-empty stdout line', () => {
    expect(interpretScriptRun(run({ stdout: 'checking…\n{"wakeAgent": false}\n\n' }))).toEqual({
      ok: true,
      wakeAgent: false,
    });
  });

  it('passes the data on when the script wakes the agent, and null when it gives none', () => {
    expect(
      interpretScriptRun(run({ stdout: '{"wakeAgent": true, "data": {"new": 3, "ids": ["a"]}}' })),
    ).toEqual({ ok: true, wakeAgent: true, data: { new: 3, ids: ['a'] } });
    expect(interpretScriptRun(run({ stdout: '{"wakeAgent":true}' }))).toEqual({
      ok: true,
      wakeAgent: true,
      data: null,
    });
  });

  it('fails a non-zero exit and names the code and the last stderr line', () => {
    expect(
      interpretScriptRun(run({ code: 2, stderr: 'curl: not found\n', stdout: '{"wakeAgent":true}' })),
    ).toEqual({
      ok: false,
      error: 'the script exited with code 2: curl: not found',
    });
  });

  it('fails a last line that is not JSON', () => {
    expect(interpretScriptRun(run({ stdout: '{"wakeAgent": true}\nall done' }))).toEqual({
      ok: false,
      error: "the script's last line is not JSON: all done",
    });
  });

  it('fails JSON of the wrong shape: wakeAgent missing, not a boolean, or unknown keys', () => {
    for (const line of [
      '{"data": 1}',
      '{"wakeAgent": "yes"}',
      '{"wakeAgent": true, "extra": 1}',
      '[true]',
      'true',
    ]) {
      const r = interpretScriptRun(run({ stdout: line }));
      expect(r.ok, line).toBe(false);
      expect((r as { error: string }).error).toMatch(/^the script's last line is not \{"wakeAgent"/);
    }
  });

  it('fails a script that printed nothing', () => {
    expect(interpretScriptRun(run({ stdout: ' \n\n' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/printed nothing/),
    });
  });

  it('fails a timeout, too much output, a kill and a script that could not start, whatever it printed', () => {
    const wake = { stdout: '{"wakeAgent":true}' };
    expect(interpretScriptRun(run({ ...wake, code: null, killed: 'timeout' }))).toEqual({
      ok: false,
      error: 'the script ran longer than 30 s',
    });
    expect(interpretScriptRun(run({ ...wake, code: null, killed: 'output' }))).toEqual({
      ok: false,
      error: 'the script printed more than 65536 bytes',
    });
    expect(interpretScriptRun(run({ ...wake, code: null }))).toEqual({
      ok: false,
      error: 'the script was killed',
    });
    expect(
      interpretScriptRun(run({ code: null, killed: 'spawn', spawnError: 'spawn /bin/bash ENOENT' })),
    ).toEqual({ ok: false, error: 'the script could not start: spawn /bin/bash ENOENT' });
  });

  it('keeps the reason short however long the bad line is', () => {
    const r = interpretScriptRun(run({ stdout: 'x'.repeat(10_000) }));
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error.length).toBeLessThanOrEqual(140);
  });
});
