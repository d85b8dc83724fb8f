/**
 * The mock provider's `[[shell:<command>]]`: what the claude provider's Bash tool can do, scripted, so tests can
 * check what an agent's shell can reach (the embedded sandbox, read-only mounts).
 *
 * Invariants:
 * - Off unless the agent group's runner env sets MOCK_PROVIDER_SHELL=1 (an admin's declaration, never message
 *   text): without it the mock is the embedded default for every chat, and a chat must not get a shell from it.
 * - Bounded: /bin/sh -c with a 30 s timeout, output (stdout then stderr) capped at 4000 characters.
 */
import { execFile } from 'node:child_process';

export const MOCK_SHELL_ENV = 'MOCK_PROVIDER_SHELL';
const TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 4000;

export interface ShellResult {
  code: number;
  output: string;
}

export function mockShellEnabled(env: NodeJS.ProcessEnv): boolean {
  return env[MOCK_SHELL_ENV] === '1';
}

/** Runs `command` in `cwd`; a failure to start is exit code 127 with the error as output. */
export function runMockShell(command: string, cwd: string, signal: AbortSignal): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { cwd, signal, timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        const output =
          `${stdout}${stderr}`.trim() || (err && typeof err.code !== 'number' ? err.message : '');
        resolve({ code, output: output.slice(0, MAX_OUTPUT) });
      },
    );
  });
}
