/**
 * What a pre-task script's run means (pure): the script prints JSON on its last non-empty stdout line,
 * `{"wakeAgent": false}` or `{"wakeAgent": true, "data": …}`.
 *
 * Invariants:
 * - A run is a failure when it did not start, was killed (timeout or otherwise), exited non-zero, printed more
 *   than the output limit, or its last line is not exactly that JSON (unknown keys refused). Failures carry a
 *   short reason for the host's log and the chat's notice, never the whole output.
 * - `data` is whatever JSON the script gave (null included); it reaches the agent only when wakeAgent is true.
 */
import { z } from 'zod';
import { MAX_SCRIPT_ERROR } from '../../protocol/messages.js';

const ScriptVerdict = z.object({ wakeAgent: z.boolean(), data: z.unknown().optional() }).strict();

export interface ScriptRun {
  /** Exit code; null when the process was killed or never started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the process did not run to its own end (timeout, output limit, could not start), if it did not. */
  killed: 'timeout' | 'output' | 'spawn' | null;
  /** The limits that applied, for the reasons. */
  timeoutMs: number;
  maxOutputBytes: number;
  spawnError?: string;
}

export type ScriptOutcome =
  | { ok: true; wakeAgent: false }
  | { ok: true; wakeAgent: true; data: unknown }
  | { ok: false; error: string };

function fail(error: string): ScriptOutcome {
  return { ok: false, error: error.slice(0, MAX_SCRIPT_ERROR) };
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]) return lines[i]!;
  return '';
}

function stderrTail(run: ScriptRun): string {
  const tail = lastLine(run.stderr);
  return tail ? `: ${tail.slice(0, 200)}` : '';
}

export function interpretScriptRun(run: ScriptRun): ScriptOutcome {
  if (run.killed === 'spawn') return fail(`the script could not start: ${run.spawnError ?? 'unknown error'}`);
  if (run.killed === 'timeout') return fail(`the script ran longer than ${run.timeoutMs / 1000} s`);
  if (run.killed === 'output') return fail(`the script printed more than ${run.maxOutputBytes} bytes`);
  if (run.code === null) return fail(`the script was killed${stderrTail(run)}`);
  if (run.code !== 0) return fail(`the script exited with code ${run.code}${stderrTail(run)}`);
  const line = lastLine(run.stdout);
  if (!line) return fail('the script printed nothing; its last line must be JSON like {"wakeAgent": true}');
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return fail(`the script's last line is not JSON: ${line.slice(0, 100)}`);
  }
  const verdict = ScriptVerdict.safeParse(json);
  if (!verdict.success) {
    const issue = verdict.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the line';
    return fail(
      `the script's last line is not {"wakeAgent": boolean, "data"?: …}: ${where}: ${issue?.message}`,
    );
  }
  return verdict.data.wakeAgent
    ? { ok: true, wakeAgent: true, data: verdict.data.data ?? null }
    : { ok: true, wakeAgent: false };
}
