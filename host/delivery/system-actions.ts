/**
 * Applies a runner's system actions (protocol SystemAction) to inbound.db — the runner asks, the host writes.
 * Task ids name a series: the first occurrence's row id, carried by every recurrence as series_id.
 * A resume, and a new or removed script, start the count of failed script runs afresh (script-failure.ts keeps it).
 */
import { CronExpressionParser } from 'cron-parser';
import type { TaskAction, TaskInContent } from '../../protocol/messages.js';
import type { InboundDb } from '../../protocol/session-db.js';
import type { HostOutbound } from '../session/host-outbound.js';
import { insertInbound, type Routing } from '../session/inbound-writer.js';

class ActionRejected extends Error {
  override readonly name = 'ActionRejected';
}

function validateCron(expr: string, tz?: string): void {
  try {
    CronExpressionParser.parse(expr, tz ? { tz } : {});
  } catch (err) {
    throw new ActionRejected(
      `recurrence ${JSON.stringify(expr)} is not a valid cron expression: ${(err as Error).message}`,
    );
  }
}

/** WHERE clause for the live rows of a task series; statuses are code constants, the task id is a parameter. */
function live(statuses: readonly string[]): string {
  return `(id = @taskId OR series_id = @taskId) AND kind = 'task' AND status IN (${statuses.map((x) => `'${x}'`).join(', ')})`;
}

/** Returns how many task rows the action touched (an insert counts as one). */
export function applySystemAction(
  inbound: InboundDb,
  outbound: HostOutbound | null,
  action: TaskAction,
  routing: Routing,
  tz?: string,
): number {
  switch (action.action) {
    case 'schedule_task': {
      if (action.recurrence) validateCron(action.recurrence, tz);
      const content: TaskInContent = {
        prompt: action.prompt,
        ...(action.script ? { script: action.script } : {}),
      };
      const { inserted } = insertInbound(inbound, outbound, {
        id: action.taskId,
        kind: 'task',
        content,
        processAfter: new Date(action.processAfter).toISOString(),
        recurrence: action.recurrence ?? null,
        seriesId: action.taskId,
        channelType: routing.channelType,
        platformId: routing.platformId,
        threadId: routing.threadId,
      });
      if (!inserted) throw new ActionRejected(`task ${action.taskId} already exists`);
      return 1;
    }
    case 'cancel_task':
      return mutate(inbound, action.taskId, ['pending', 'paused'], `status = 'completed', recurrence = NULL`);
    case 'pause_task':
      return pauseTask(inbound, action.taskId);
    case 'resume_task':
      return mutate(
        inbound,
        action.taskId,
        ['paused'],
        `status = 'pending', content = json_remove(content, '$.scriptFailures')`,
      );
    case 'task_script_failed':
      throw new ActionRejected('a script failure report is applied by applyScriptFailure, not here');
    case 'update_task': {
      if (action.recurrence) validateCron(action.recurrence, tz);
      return inbound.tx(() => {
        const rows = inbound
          .prepare(`SELECT id, content FROM messages_in WHERE ${live(['pending', 'paused'])}`)
          .all({ taskId: action.taskId }) as {
          id: string;
          content: string;
        }[];
        if (rows.length === 0) throw new ActionRejected(`no pending or paused task ${action.taskId}`);
        for (const row of rows) {
          const content = JSON.parse(row.content) as TaskInContent;
          if (action.prompt !== undefined) content.prompt = action.prompt;
          if (action.script !== undefined) delete content.scriptFailures;
          if (action.script === null) delete content.script;
          else if (action.script !== undefined) content.script = action.script;
          const sets: string[] = ['content = @content'];
          const params: Record<string, unknown> = { id: row.id, content: JSON.stringify(content) };
          if (action.processAfter !== undefined) {
            sets.push('process_after = @processAfter');
            params.processAfter = new Date(action.processAfter).toISOString();
          }
          if (action.recurrence !== undefined) {
            sets.push('recurrence = @recurrence');
            params.recurrence = action.recurrence || null;
          }
          inbound.prepare(`UPDATE messages_in SET ${sets.join(', ')} WHERE id = @id`).run(params);
        }
        return rows.length;
      });
    }
  }
}

/** Pauses every pending row of a task's series (pause_task, and a task whose script keeps failing). */
export function pauseTask(inbound: InboundDb, taskId: string): number {
  return mutate(inbound, taskId, ['pending'], `status = 'paused'`);
}

function mutate(inbound: InboundDb, taskId: string, from: readonly string[], set: string): number {
  const changes = inbound
    .prepare(`UPDATE messages_in SET ${set} WHERE ${live(from)}`)
    .run({ taskId }).changes;
  if (changes === 0) throw new ActionRejected(`no ${from.join(' or ')} task ${taskId}`);
  return changes;
}
