/**
 * The shared MCP tools driven through the mock provider's [[tool:…]] directive, exactly as the claude provider
 * calls them: chat rows for send_message and question cards, SystemAction rows for task changes, and
 * ask_user_question waiting for a question_response row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemAction } from '../../protocol/messages.js';
import { HostSide, startReadyRunner, stopAll, waitFor } from '../support/runner-harness.js';

const tool = (name: string, args: unknown) => `[[tool:${name} ${JSON.stringify(args)}]]`;

describe('agent-runner MCP tools (via the mock provider)', () => {
  let host: HostSide;

  beforeAll(async () => {
    host = HostSide.create();
    host.destination('ops', 'telegram', 'tg-ops');
    host.destination('team', 'slack', 'C123');
    await startReadyRunner(host);
  });
  afterAll(async () => {
    await stopAll();
    host.close();
  });

  const turn = async (text: string) => {
    const before = host.rows().length;
    const id = host.chat(text);
    const status = await host.finished(id);
    const reply = host.repliesTo(id).find((r) => String(r.json.text).startsWith('Mock'));
    const replyText = reply?.json.text;
    return {
      id,
      status,
      reply: typeof replyText === 'string' ? replyText : '',
      written: host.rows().slice(before),
    };
  };

  it('send_message to a known destination writes a row addressed there', async () => {
    const t = await turn(`notify ${tool('send_message', { to: 'ops', text: 'deploy done' })}`);
    expect(t.reply).toMatch(/^Mock response to: notify\n\[tool send_message\] Message sent to ops/);
    const sent = t.written.filter((r) => r.platform_id === 'tg-ops');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'chat',
      channel_type: 'telegram',
      in_reply_to: null,
      json: { text: 'deploy done' },
    });
  });

  it('send_message to an unknown destination is a tool error listing the known names, and writes nothing', async () => {
    const t = await turn(tool('send_message', { to: 'nowhere', text: 'x' }));
    expect(t.reply).toContain(
      '[tool send_message error] Unknown destination "nowhere". Known destinations: ops, team.',
    );
    expect(t.written.map((r) => r.in_reply_to)).toEqual([t.id]);
  });

  it('schedule, pause, resume, update and cancel become system actions', async () => {
    const s = await turn(
      tool('schedule_task', {
        prompt: 'ping',
        processAfter: '2026-01-01T00:00:00Z',
        recurrence: '*/1 * * * *',
      }),
    );
    const taskId = /Scheduled task (task-[\w-]+)/.exec(s.reply)?.[1];
    expect(taskId).toBeDefined();
    await turn(tool('pause_task', { taskId }));
    await turn(tool('resume_task', { taskId }));
    await turn(tool('update_task', { taskId, prompt: 'pong', recurrence: '' }));
    await turn(tool('cancel_task', { taskId }));
    const actions = host.systemActions().filter((a) => a.taskId === taskId);
    expect(actions).toEqual([
      {
        action: 'schedule_task',
        taskId,
        prompt: 'ping',
        processAfter: '2026-01-01T00:00:00.000Z',
        recurrence: '*/1 * * * *',
      },
      { action: 'pause_task', taskId },
      { action: 'resume_task', taskId },
      { action: 'update_task', taskId, prompt: 'pong', recurrence: null },
      { action: 'cancel_task', taskId },
    ]);
    for (const a of actions) expect(SystemAction.safeParse(a).success).toBe(true);
    expect(
      host
        .rows()
        .filter((r) => r.kind === 'system')
        .every((r) => r.channel_type === null),
    ).toBe(true);
  });

  it('list_tasks reads the task rows the host applied', async () => {
    const live = host.task('daily report', {
      processAfter: '2999-01-01T00:00:00.000Z',
      recurrence: '0 9 * * *',
    });
    const paused = host.task('weekly', { processAfter: '2999-01-01T00:00:00.000Z', status: 'paused' });
    const t = await turn(tool('list_tasks', { status: 'all' }));
    expect(t.reply).toContain(`"taskId": "${live}"`);
    expect(t.reply).toContain('"recurrence": "0 9 * * *"');
    expect(t.reply).toContain(`"taskId": "${paused}"`);
    const p = await turn(tool('list_tasks', { status: 'paused' }));
    expect(p.reply).not.toContain(live);
  });

  it('task tools refuse bad input with a clear error and write nothing', async () => {
    const t = await turn(tool('schedule_task', { prompt: 'x', processAfter: 'next tuesday' }));
    expect(t.reply).toMatch(/\[tool schedule_task error\] Invalid input for schedule_task: processAfter: /);
    const u = await turn(tool('cancel_task', { taskId: 'task-does-not-exist' }));
    expect(u.reply).toContain('[tool cancel_task error] Unknown task "task-does-not-exist"');
    expect([...t.written, ...u.written].filter((r) => r.kind === 'system')).toEqual([]);
  });

  it('ask_user_question shows a card, returns the answer and acks the answer row', async () => {
    const id = host.chat(
      `deploy? ${tool('ask_user_question', {
        title: 'Deploy',
        question: 'Ship it now?',
        options: [
          { label: 'Yes', value: 'yes' },
          { label: 'Later', value: 'later' },
        ],
        timeoutSeconds: 30,
      })}`,
    );
    const card = await waitFor('the question card', () =>
      host.repliesTo(id).find((r) => r.json.question !== undefined),
    );
    expect(card.json).toMatchObject({
      text: 'Ship it now?',
      question: {
        title: 'Deploy',
        options: [
          { label: 'Yes', value: 'yes' },
          { label: 'Later', value: 'later' },
        ],
      },
    });
    const questionId = (card.json.question as { questionId: string }).questionId;
    // An unrelated answer is not taken for this question.
    host.system({ type: 'question_response', questionId: 'q-other', value: 'no', userId: 'web:bob' });
    const answer = host.system({
      type: 'question_response',
      questionId,
      value: 'later',
      userId: 'web:alice',
    });
    expect(await host.finished(id)).toBe('completed');
    expect(host.ack(answer)).toBe('completed');
    expect(host.repliesTo(id).map((r) => r.json.text)).toContain(
      'Mock response to: deploy?\n[tool ask_user_question] later',
    );
  });

  it('ask_user_question times out with a tool error', async () => {
    const t = await turn(
      tool('ask_user_question', {
        title: 'Quick',
        question: 'Anyone?',
        options: [{ label: 'Me', value: 'me' }],
        timeoutSeconds: 1,
      }),
    );
    expect(t.status).toBe('completed');
    expect(t.reply).toMatch(
      /\[tool ask_user_question error\] No answer to question q-[\w-]+ \("Quick"\) within 1 s/,
    );
  });

  it('acknowledges system rows nobody waits for between turns', async () => {
    const late = host.system({ type: 'question_response', questionId: 'q-gone', value: 'x', userId: null });
    const notice = host.system({ type: 'notice', text: 'fyi' });
    await waitFor(
      'acks of unclaimed system rows',
      () => host.ack(late) === 'completed' && host.ack(notice) === 'completed',
    );
  });
});
