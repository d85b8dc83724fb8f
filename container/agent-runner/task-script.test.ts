import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { egressProxyEnv } from './egress-env.js';
import { runScriptProcess, scriptEnv, scriptsOffReason, taskScripts } from './task-script.js';

let dir: string;
const never = new AbortController().signal;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-task-script-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('pre-task scripts (real bash processes)', () => {
  it('runs in the given directory and reads the verdict from its last line', async () => {
    const scripts = taskScripts('claude', { PATH: process.env.PATH }, dir);
    const r = await scripts.run(
      'echo "$(pwd)" >&2; printf \'{"wakeAgent":true,"data":{"cwd":"%s"}}\\n\' "$(pwd)"',
      never,
    );
    expect(r).toEqual({ ok: true, wakeAgent: true, data: { cwd: fs.realpathSync(dir) } });
  });

  it('never gives the script the session token, NANOCLAW_* variables, model credentials or the egress proxy', async () => {
    const env = scriptEnv({
      PATH: '/usr/bin:/bin',
      HOME: '/workspace/.home',
      NANOCLAW_SESSION_TOKEN: 'tok-secret',
      NANOCLAW_HOST_URL: 'http://127.0.0.1:1',
      ANTHROPIC_API_KEY: 'tok-secret',
      CLAUDE_CODE_OAUTH_TOKEN: 'oauth',
      ...egressProxyEnv('http://127.0.0.1:1', 'tok-secret'),
    });
    expect(env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/workspace/.home' });
    const r = await runScriptProcess('env', { cwd: dir, env, signal: never });
    expect(r.stdout).not.toContain('tok-secret');
    expect(r.stdout).toContain('HOME=/workspace/.home');
  });

  it('kills a script that runs past its timeout, with its children', async () => {
    const started = Date.now();
    const r = await runScriptProcess(`sleep 30 & echo $! > ${dir}/child; wait`, {
      cwd: dir,
      env: scriptEnv(process.env),
      signal: never,
      timeoutMs: 300,
    });
    expect(r.killed).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    const child = Number(fs.readFileSync(path.join(dir, 'child'), 'utf8'));
    await expect.poll(() => alive(child), { timeout: 3000 }).toBe(false);
  });

  it('ends what a script left running in the background when it exits', async () => {
    const r = await runScriptProcess(`sleep 30 & echo $! > ${dir}/child; echo '{"wakeAgent":false}'`, {
      cwd: dir,
      env: scriptEnv(process.env),
      signal: never,
      timeoutMs: 10_000,
    });
    expect(r).toMatchObject({ code: 0, killed: null, stdout: '{"wakeAgent":false}\n' });
    const child = Number(fs.readFileSync(path.join(dir, 'child'), 'utf8'));
    await expect.poll(() => alive(child), { timeout: 3000 }).toBe(false);
  });

  it('stops a script at the output limit and keeps no more than the limit', async () => {
    const r = await runScriptProcess('yes wakeAgent', {
      cwd: dir,
      env: scriptEnv(process.env),
      signal: never,
      maxOutputBytes: 4096,
    });
    expect(r.killed).toBe('output');
    expect(Buffer.byteLength(r.stdout + r.stderr)).toBeLessThanOrEqual(4096);
  });

  it('fails output past the limit also when it arrives in chunks that fill the limit exactly', async () => {
    const r = await runScriptProcess(`head -c 200000 /dev/zero | tr '\\0' x; echo '{"wakeAgent":false}'`, {
      cwd: dir,
      env: scriptEnv(process.env),
      signal: never,
    });
    expect(r.killed).toBe('output');
    expect(r.stdout.length).toBe(65_536);
  });

  it('kills the script when the runner shuts down', async () => {
    const ac = new AbortController();
    const running = runScriptProcess('sleep 30', {
      cwd: dir,
      env: scriptEnv(process.env),
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 100);
    const r = await running;
    expect(r.code).toBeNull();
  });

  it('reports a script that cannot start', async () => {
    const scripts = taskScripts('claude', scriptEnv(process.env), path.join(dir, 'missing'));
    expect(await scripts.run('echo hi', never)).toEqual({
      ok: false,
      error: expect.stringMatching(/^the script could not start: .*ENOENT/),
    });
  });

  it('is off for the mock provider without MOCK_PROVIDER_SHELL=1, and runs nothing then', async () => {
    expect(scriptsOffReason('claude', {})).toBeNull();
    expect(scriptsOffReason('mock', { MOCK_PROVIDER_SHELL: '1' })).toBeNull();
    expect(scriptsOffReason('mock', {})).toMatch(/pre-task scripts are off/);
    const marker = path.join(dir, 'ran');
    const r = await taskScripts('mock', {}, dir).run(`touch ${marker}`, never);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/MOCK_PROVIDER_SHELL=1/) });
    expect(fs.existsSync(marker)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
