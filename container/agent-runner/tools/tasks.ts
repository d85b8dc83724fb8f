/**
 * Scheduled-task tools. The runner never writes inbound.db: every change is a SystemAction row (kind 'system')
 * in messages_out that the host applies. A task id is the series id of its rows in inbound.db (the first
 * occurrence's id); schedule_task makes it up so the agent can refer to the task before the host applies it.
 */
import { randomBytes } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import type { TaskAction } from '../../../protocol/messages.js';
import { MAX_TASK_SCRIPT, TaskInContent } from '../../../protocol/messages.js';
import type { MessageIn } from '../../../protocol/session-db.js';
import { defineTool, ToolError, type ToolContext } from './tool.js';

function newTaskId(now = Date.now()): string {
  return `task-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

const isoWithOffset = z.iso
  .datetime({ offset: true })
  .describe('ISO-8601 time with an offset, e.g. 2026-01-01T09:00:00Z or 2026-01-01T10:00:00+01:00');

function checkCron(expr: string): string {
  try {
    CronExpressionParser.parse(expr);
  } catch (err) {
    throw new ToolError(`Invalid cron expression "${expr}": ${(err as Error).message}`);
  }
  return expr;
}

/** '' and null both mean "clear". */
const clearable = (inner: z.ZodString) => inner.nullable().optional();

function toUtc(iso: string): string {
  return new Date(iso).toISOString();
}

function emit(ctx: ToolContext, action: TaskAction): void {
  ctx.outbound.commit({ messages: [{ kind: 'system', content: action }] });
  ctx.log.info({ tool: action.action, taskId: action.taskId }, 'task action queued');
}

export type TaskState = 'pending' | 'paused' | 'finished' | 'requested' | 'unknown';

function taskState(ctx: ToolContext, taskId: string): TaskState {
  const rows = ctx.inbound.taskSeries(taskId);
  const last = rows[rows.length - 1];
  if (last) return last.status === 'pending' || last.status === 'paused' ? last.status : 'finished';
  return ctx.outbound.hasRequestedTask(taskId) ? 'requested' : 'unknown';
}

function requireLive(ctx: ToolContext, taskId: string): TaskState {
  const state = taskState(ctx, taskId);
  if (state === 'unknown') throw new ToolError(`Unknown task "${taskId}". Use list_tasks to see task ids.`);
  if (state === 'finished') throw new ToolError(`Task "${taskId}" has already finished or was cancelled.`);
  return state;
}

export interface TaskSummary {
  taskId: string;
  status: 'pending' | 'paused';
  prompt: string;
  processAfter: string | null;
  recurrence: string | null;
  script?: string;
}

/** One entry per series: its newest scheduled row. */
function summarizeTasks(rows: MessageIn[]): TaskSummary[] {
  const bySeries = new Map<string, MessageIn>();
  for (const r of [...rows].sort((a, b) => a.seq - b.seq)) bySeries.set(r.series_id ?? r.id, r);
  const out: TaskSummary[] = [];
  for (const [taskId, r] of bySeries) {
    if (r.status !== 'pending' && r.status !== 'paused') continue;
    let content: TaskInContent | null;
    try {
      content = TaskInContent.parse(JSON.parse(r.content));
    } catch {
      content = null;
    }
    out.push({
      taskId,
      status: r.status,
      prompt: content?.prompt ?? '(unreadable)',
      processAfter: r.process_after,
      recurrence: r.recurrence,
      ...(content?.script ? { script: content.script } : {}),
    });
  }
  return out;
}

const SCRIPT_HELP =
  'Optional bash script run before each occurrence (30 s at most); its last stdout line must be JSON ' +
  '{"wakeAgent": false} (skip this run) or {"wakeAgent": true, "data": …} (run, with data). ' +
  'After repeated failures the task is paused.';

export const scheduleTask = defineTool({
  name: 'schedule_task',
  description:
    'Schedule a prompt to be given to you later, once or on a cron schedule. Returns the task id. ' +
    'Times need an offset (use Z for UTC).',
  shape: {
    prompt: z.string().min(1).max(16_000).describe('What to do when the task fires'),
    processAfter: isoWithOffset,
    recurrence: z.string().min(1).max(200).optional().describe('Cron expression, e.g. "0 9 * * 1-5"'),
    script: z.string().min(1).max(MAX_TASK_SCRIPT).optional().describe(SCRIPT_HELP),
  },
  handler: async ({ prompt, processAfter, recurrence, script }, ctx) => {
    if (recurrence !== undefined) checkCron(recurrence);
    const taskId = newTaskId();
    const when = toUtc(processAfter);
    emit(ctx, {
      action: 'schedule_task',
      taskId,
      prompt,
      processAfter: when,
      recurrence: recurrence ?? null,
      ...(script !== undefined ? { script } : {}),
    });
    return Promise.resolve(
      `Scheduled task ${taskId}: first run at ${when}${recurrence ? `, then on cron "${recurrence}"` : ''}.`,
    );
  },
});

export const listTasks = defineTool({
  name: 'list_tasks',
  description:
    'List your scheduled tasks (pending or paused). A task scheduled moments ago appears once the host has ' +
    'applied it.',
  shape: {
    status: z.enum(['pending', 'paused', 'all']).optional().describe('Filter; default all'),
  },
  handler: async ({ status }, ctx) => {
    const tasks = summarizeTasks(ctx.inbound.scheduledTasks()).filter(
      (t) => !status || status === 'all' || t.status === status,
    );
    return Promise.resolve(tasks.length ? JSON.stringify(tasks, null, 2) : 'No scheduled tasks.');
  },
});

export const updateTask = defineTool({
  name: 'update_task',
  description:
    'Change a scheduled task. Give only the fields to change; recurrence or script "" (or null) removes it.',
  shape: {
    taskId: z.string().min(1).max(200),
    prompt: z.string().min(1).max(16_000).optional(),
    processAfter: isoWithOffset.optional(),
    recurrence: clearable(z.string().max(200)),
    script: clearable(z.string().max(MAX_TASK_SCRIPT)),
  },
  handler: async ({ taskId, prompt, processAfter, recurrence, script }, ctx) => {
    if ([prompt, processAfter, recurrence, script].every((v) => v === undefined)) {
      throw new ToolError(
        'Nothing to update: give at least one of prompt, processAfter, recurrence, script.',
      );
    }
    const rec = recurrence === undefined ? undefined : recurrence ? checkCron(recurrence) : null;
    requireLive(ctx, taskId);
    emit(ctx, {
      action: 'update_task',
      taskId,
      ...(prompt !== undefined ? { prompt } : {}),
      ...(processAfter !== undefined ? { processAfter: toUtc(processAfter) } : {}),
      ...(rec !== undefined ? { recurrence: rec } : {}),
      ...(script !== undefined ? { script: script || null } : {}),
    });
    return Promise.resolve(`Update of task ${taskId} requested.`);
  },
});

function simpleAction(
  action: 'cancel_task' | 'pause_task' | 'resume_task',
  verb: string,
  description: string,
) {
  return defineTool({
    name: action,
    description,
    shape: { taskId: z.string().min(1).max(200) },
    handler: async ({ taskId }, ctx) => {
      requireLive(ctx, taskId);
      emit(ctx, { action, taskId });
      return Promise.resolve(`Task ${taskId} ${verb}.`);
    },
  });
}

export const cancelTask = simpleAction('cancel_task', 'cancelled', 'Cancel a scheduled task for good.');
export const pauseTask = simpleAction('pause_task', 'paused', 'Pause a scheduled task until resumed.');
export const resumeTask = simpleAction('resume_task', 'resumed', 'Resume a paused task.');
