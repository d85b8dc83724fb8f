/**
 * Runs a scheduled task's pre-task script inside the runner, before the agent is woken.
 *
 * Invariants:
 * - It runs where the runner runs (a runner pod, or the embedded sandbox), never anywhere else: `/bin/bash -c` in
 *   the agent's working directory, like the agent's own shell.
 * - Its environment is the runner's without NANOCLAW_*, model credentials and the egress proxy variables (they
 *   carry the token): a script never sees the session token (`scriptEnv`).
 * - Bounded: killed (its whole process group) after `timeoutMs` or once stdout+stderr pass `maxOutputBytes`;
 *   abort kills it too, and so does its own exit (nothing it started outlives it). What it printed is kept only up
 *   to that limit.
 * - Off unless the agent already has a shell (scriptsAllowed): the claude provider always has one, the mock only
 *   with MOCK_PROVIDER_SHELL=1, so a task cannot give a chat a shell the agent does not have.
 */
import { spawn } from 'node:child_process';
import type { RunnerConfig } from './config.js';
import { EGRESS_PROXY_VARS } from './egress-env.js';
import { mockShellEnabled, MOCK_SHELL_ENV } from './providers/mock-shell.js';
import { interpretScriptRun, type ScriptOutcome, type ScriptRun } from './script-result.js';

const SCRIPT_TIMEOUT_MS = 30_000;
const SCRIPT_MAX_OUTPUT_BYTES = 64 * 1024;

const CREDENTIALS = new Set(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN']);

export function scriptEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || k.startsWith('NANOCLAW_') || CREDENTIALS.has(k) || EGRESS_PROXY_VARS.includes(k))
      continue;
    env[k] = v;
  }
  return env;
}

/** Why scripts cannot run for this agent, or null when they can. */
export function scriptsOffReason(provider: RunnerConfig['provider'], env: NodeJS.ProcessEnv): string | null {
  if (provider === 'claude' || mockShellEnabled(env)) return null;
  return `pre-task scripts are off: this agent has no shell (set ${MOCK_SHELL_ENV}=1 for the mock provider)`;
}

export interface ScriptOptions {
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export function runScriptProcess(script: string, o: ScriptOptions): Promise<ScriptRun> {
  const timeoutMs = o.timeoutMs ?? SCRIPT_TIMEOUT_MS;
  const maxOutputBytes = o.maxOutputBytes ?? SCRIPT_MAX_OUTPUT_BYTES;
  const base = { timeoutMs, maxOutputBytes };
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', ['-c', script], {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let killed: ScriptRun['killed'] = null;
    const kill = (why: ScriptRun['killed']): void => {
      killed ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      const room = maxOutputBytes - size;
      if (chunk.length > room) {
        if (room > 0) into.push(chunk.subarray(0, room));
        size = maxOutputBytes;
        kill('output');
        return;
      }
      into.push(chunk);
      size += chunk.length;
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    const onAbort = (): void => kill(null);
    o.signal.addEventListener('abort', onAbort, { once: true });
    let spawnError: string | undefined;
    // What the script left running in the background dies with it (and would otherwise hold its output open).
    child.on('exit', () => kill(null));
    child.on('error', (e) => {
      spawnError = e.message;
      killed ??= 'spawn';
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      resolve({
        ...base,
        code: killed ? null : code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        killed,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

/** How a runner runs its tasks' scripts: the same rules for every turn. */
export interface TaskScripts {
  run(script: string, signal: AbortSignal): Promise<ScriptOutcome>;
}

export function taskScripts(
  provider: RunnerConfig['provider'],
  env: NodeJS.ProcessEnv,
  cwd: string,
): TaskScripts {
  const off = scriptsOffReason(provider, env);
  const clean = scriptEnv(env);
  return {
    run: async (script, signal) =>
      off
        ? { ok: false, error: off }
        : interpretScriptRun(await runScriptProcess(script, { cwd, env: clean, signal })),
  };
}
