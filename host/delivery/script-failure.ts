/**
 * Applies a runner's report that a task's pre-task script failed (`task_script_failed`) to inbound.db: the same
 * occurrence is retried after a back-off, or the task is paused once its script failed too often in a row
 * (script-backoff.ts decides). The report is untrusted input: it names a row, nothing more — the count, the wait
 * and the pause come from the host's own row and policy.
 *
 * Invariants:
 * - Only a pending task row that has a script is changed; a report about anything else (a row paused, cancelled or
 *   finished meanwhile, a script removed meanwhile, a chat message) changes nothing and is 'ignored', so the runner
 *   drops its claim and nothing is retried twice.
 * - A pause pauses every pending row of the task's series, like pause_task, and is reported once, when it happens.
 */
import type { Logger } from 'pino';
import { TaskInContent, type SystemAction } from '../../protocol/messages.js';
import type { InboundDb } from '../../protocol/session-db.js';
import { planScriptFailure, type ScriptRetryPolicy } from '../schedule/script-backoff.js';
import type { HostMessageInput } from './host-outbox.js';
import { pauseTask } from './system-actions.js';

export type ScriptFailureOutcome =
  | { result: 'ignored'; why: string }
  | { result: 'retry'; failures: number; retryAt: string }
  | {
      result: 'paused';
      failures: number;
      /** The task id (series id) and where the task's turns reply. */
      taskId: string;
      address: { channelType: string | null; platformId: string | null; threadId: string | null };
    };

interface TaskRow {
  id: string;
  status: string;
  series_id: string | null;
  channel_type: string | null;
  platform_id: string | null;
  thread_id: string | null;
  content: string;
}

export function applyScriptFailure(
  inbound: InboundDb,
  rowId: string,
  policy: ScriptRetryPolicy,
  now = Date.now(),
): ScriptFailureOutcome {
  return inbound.tx((): ScriptFailureOutcome => {
    const row = inbound
      .prepare(
        `SELECT id, status, series_id, channel_type, platform_id, thread_id, content
         FROM messages_in WHERE id = ? AND kind = 'task'`,
      )
      .get(rowId) as TaskRow | undefined;
    if (!row) return { result: 'ignored', why: 'no such task row' };
    if (row.status !== 'pending') return { result: 'ignored', why: `the row is ${row.status}` };
    const parsed = TaskInContent.safeParse(JSON.parse(row.content));
    if (!parsed.success || !parsed.data.script) return { result: 'ignored', why: 'the task has no script' };
    const plan = planScriptFailure(parsed.data.scriptFailures ?? 0, now, policy);
    const content = JSON.stringify({ ...parsed.data, scriptFailures: plan.failures });
    if (plan.action === 'retry') {
      inbound
        .prepare(`UPDATE messages_in SET process_after = ?, content = ? WHERE id = ?`)
        .run(plan.retryAt, content, row.id);
      return { result: 'retry', failures: plan.failures, retryAt: plan.retryAt };
    }
    const taskId = row.series_id ?? row.id;
    inbound.prepare(`UPDATE messages_in SET content = ? WHERE id = ?`).run(content, row.id);
    pauseTask(inbound, taskId);
    return {
      result: 'paused',
      failures: plan.failures,
      taskId,
      address: { channelType: row.channel_type, platformId: row.platform_id, threadId: row.thread_id },
    };
  });
}

/** What the chat is told when a task is paused for its script (the runner's error is cut short). */
function pausedNotice(taskId: string, failures: number, error: string): string {
  const reason = error.trim().replace(/\s+/g, ' ').slice(0, 200) || 'no error text';
  return (
    `Scheduled task ${taskId} is paused: its pre-task script failed ${failures} times in a row ` +
    `(last: ${reason}). Resume it with resume_task, or "nanoclaw tasks resume ${taskId}".`
  );
}

export interface ScriptFailureDeps {
  inbound: InboundDb;
  policy: ScriptRetryPolicy;
  log: Logger;
  /** The host's own outbound path (durable, retried): the pause notice goes through it. */
  send: (m: HostMessageInput) => Promise<unknown>;
}

/** The session's default chat (session_routing), where a task row without an address replies. */
interface DefaultRoute {
  channel_type: string | null;
  platform_id: string | null;
  thread_id: string | null;
}

/** Applies a runner's report and, when it paused the task, tells the task's chat once. */
export function handleScriptFailure(
  d: ScriptFailureDeps,
  sessionId: string,
  report: Extract<SystemAction, { action: 'task_script_failed' }>,
  route: DefaultRoute | undefined,
): ScriptFailureOutcome {
  const outcome = applyScriptFailure(d.inbound, report.taskId, d.policy);
  const ctx = { sessionId, taskRow: report.taskId, outcome: outcome.result };
  if (outcome.result === 'ignored') {
    d.log.info({ ...ctx, why: outcome.why }, 'pre-task script failure report ignored');
    return outcome;
  }
  d.log.warn({ ...ctx, failures: outcome.failures }, 'pre-task script failed');
  if (outcome.result !== 'paused') return outcome;
  const own = outcome.address;
  const channelType = own.channelType ?? route?.channel_type ?? null;
  const platformId = own.channelType ? own.platformId : (route?.platform_id ?? null);
  const threadId = own.channelType ? own.threadId : (route?.thread_id ?? null);
  if (!channelType || !platformId) {
    d.log.warn(ctx, 'task paused; the session has no chat to tell');
    return outcome;
  }
  d.send({
    kind: 'notice',
    to: { channelType, platformId, threadId },
    text: pausedNotice(outcome.taskId, outcome.failures, report.error),
  }).catch((err: unknown) =>
    d.log.error({ ...ctx, err: (err as Error).message }, 'could not queue the task-paused notice'),
  );
  return outcome;
}
