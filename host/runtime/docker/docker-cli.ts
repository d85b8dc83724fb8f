/**
 * One short docker CLI command (inspect, ps, rm, stop), run asynchronously and bounded in time. Long-lived
 * `docker run` processes are the runtime's own (docker-runtime.ts).
 *
 * Invariant: the CLI gets only the environment it is given (the docker CLI's own variables), never the host's.
 */
import { spawn } from 'node:child_process';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface DockerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runDocker(
  cli: string,
  env: Record<string, string>,
  args: string[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = spawn(cli, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      stderr += `\n${cli} ${args[0] ?? ''}: no answer within ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${cli} cannot be run: ${err.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The first line of what a failed command said, for an error message. */
export function firstLine(r: DockerResult): string {
  return (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
}
