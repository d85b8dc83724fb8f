/**
 * What the host does after a task's pre-task script failed (pure): retry the same occurrence later, waiting twice
 * as long after each failure in a row, or pause the task once `maxFailures` runs in a row have failed.
 *
 * Invariants: the count is of failures in a row (a successful run, a resume or a new script start it afresh); the
 * wait is base · 2^(failures − 1), never more than MAX_BACKOFF_MS; the plan never pauses before `maxFailures`.
 */
export interface ScriptRetryPolicy {
  /** The wait after the first failure (ms). */
  baseMs: number;
  /** Failures in a row that pause the task. */
  maxFailures: number;
}

export const DEFAULT_SCRIPT_RETRY: ScriptRetryPolicy = { baseMs: 30_000, maxFailures: 3 };

const MAX_BACKOFF_MS = 60 * 60 * 1000;

export type ScriptFailurePlan =
  { action: 'retry'; failures: number; retryAt: string } | { action: 'pause'; failures: number };

/** `previous`: failures in a row before this one. */
export function planScriptFailure(
  previous: number,
  now: number,
  policy: ScriptRetryPolicy,
): ScriptFailurePlan {
  const failures = Math.max(0, Math.floor(previous)) + 1;
  if (failures >= policy.maxFailures) return { action: 'pause', failures };
  const waitMs = Math.min(MAX_BACKOFF_MS, policy.baseMs * 2 ** (failures - 1));
  return { action: 'retry', failures, retryAt: new Date(now + waitMs).toISOString() };
}
