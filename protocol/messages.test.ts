import { describe, expect, it } from 'vitest';
import { MAX_SCRIPT_ERROR, MAX_TASK_SCRIPT, SystemAction, TaskInContent } from './messages.js';

const at = '2030-01-01T00:00:00.000Z';

describe('task scripts in the protocol', () => {
  it('refuses a runner action whose script is longer than the limit', () => {
    const ok = 'x'.repeat(MAX_TASK_SCRIPT);
    const long = `${ok}x`;
    const schedule = { action: 'schedule_task', taskId: 't', prompt: 'p', processAfter: at };
    expect(SystemAction.safeParse({ ...schedule, script: ok }).success).toBe(true);
    expect(SystemAction.safeParse({ ...schedule, script: long }).success).toBe(false);
    expect(SystemAction.safeParse({ action: 'update_task', taskId: 't', script: long }).success).toBe(false);
  });

  it('refuses a script failure report without a row id or with an overlong reason', () => {
    const report = { action: 'task_script_failed', taskId: 'task-1', error: 'exit 1' };
    expect(SystemAction.safeParse(report).success).toBe(true);
    expect(SystemAction.safeParse({ ...report, taskId: '' }).success).toBe(false);
    expect(SystemAction.safeParse({ ...report, error: 'e'.repeat(MAX_SCRIPT_ERROR + 1) }).success).toBe(
      false,
    );
    expect(SystemAction.safeParse({ action: 'task_script_failed', taskId: 'task-1' }).success).toBe(false);
  });

  it('reads task rows written before scripts ran, and refuses a negative failure count', () => {
    expect(TaskInContent.parse({ prompt: 'p', script: 'echo' })).toEqual({ prompt: 'p', script: 'echo' });
    expect(TaskInContent.safeParse({ prompt: 'p', scriptFailures: -1 }).success).toBe(false);
  });
});
