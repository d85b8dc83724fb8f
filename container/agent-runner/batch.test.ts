import { describe, expect, it } from 'vitest';
import type { MessageIn } from '../../protocol/session-db.js';
import { messageInRow } from '../../test/support/message-in.js';
import { planBatch, replyTarget } from './batch.js';

let seq = 0;
function row(text: string, opts: Partial<MessageIn> & { sender?: string | null } = {}): MessageIn {
  seq += 2;
  const { sender = 'web:alice', ...rest } = opts;
  return messageInRow({
    id: `m${seq}`,
    seq,
    platform_id: 'chat-1',
    content: JSON.stringify({ text, sender }),
    ...rest,
  });
}
const ctx = (text: string) => row(text, { trigger: 0 });
const ids = (plan: ReturnType<typeof planBatch>) =>
  plan.turn?.type === 'messages' ? plan.turn.messages.map((m) => m.row.id) : [];

function taskRow(content: object): MessageIn {
  seq += 2;
  return messageInRow({
    id: `t${seq}`,
    seq,
    kind: 'task',
    platform_id: 'chat-1',
    content: JSON.stringify(content),
  });
}

describe('planBatch', () => {
  it('makes a task with a pre-task script a turn of its own, and ends a batch before one', () => {
    const first = row('hello');
    const scripted = taskRow({ prompt: 'check', script: 'echo {}' });
    const after = row('later');
    const plan = planBatch([first, scripted, after], { maxBatch: 10, windowFull: false });
    expect(ids(plan)).toEqual([first.id]);
    const own = planBatch([ctx('context'), scripted, after], { maxBatch: 10, windowFull: false });
    expect(own.turn).toEqual({
      type: 'script',
      message: expect.objectContaining({ kind: 'task', row: scripted }),
      script: 'echo {}',
    });
    const plain = taskRow({ prompt: 'no script' });
    const next = row('next');
    expect(ids(planBatch([plain, next], { maxBatch: 10, windowFull: false }))).toEqual([plain.id, next.id]);
  });

  it('waits while only accumulated context is pending', () => {
    const plan = planBatch([ctx('a'), ctx('b')], { maxBatch: 10, windowFull: false });
    expect(plan.turn).toBeNull();
    expect(plan.skipped).toEqual([]);
  });

  it('lets accumulated context ride along with the next trigger, oldest first', () => {
    const rows = [ctx('a'), ctx('b'), row('c')];
    const plan = planBatch([...rows].reverse(), { maxBatch: 10, windowFull: false });
    expect(ids(plan)).toEqual(rows.map((r) => r.id));
  });

  it('takes following rows up to maxBatch', () => {
    const rows = [row('a'), row('b'), ctx('c'), row('d')];
    const plan = planBatch(rows, { maxBatch: 3, windowFull: false });
    expect(ids(plan)).toEqual(rows.slice(0, 3).map((r) => r.id));
  });

  it('ends a turn where the reply address changes, so each chat gets its own reply', () => {
    const rows = [row('a'), row('b'), row('c', { platform_id: 'chat-2' }), row('d')];
    const plan = planBatch(rows, { maxBatch: 10, windowFull: false });
    expect(ids(plan)).toEqual([rows[0]!.id, rows[1]!.id]);
    const threaded = [row('x', { thread_id: 't1' }), row('y', { thread_id: 't2' })];
    expect(ids(planBatch(threaded, { maxBatch: 10, windowFull: false }))).toEqual([threaded[0]!.id]);
  });

  it('keeps the newest maxBatch-1 context rows before the trigger and skips older ones', () => {
    const rows = [ctx('a'), ctx('b'), ctx('c'), row('d')];
    const plan = planBatch(rows, { maxBatch: 3, windowFull: false });
    expect(ids(plan)).toEqual([rows[1]!.id, rows[2]!.id, rows[3]!.id]);
    expect(plan.skipped.map((m) => m.row.id)).toEqual([rows[0]!.id]);
  });

  it('with maxBatch 1 takes the trigger alone', () => {
    const rows = [ctx('a'), row('b')];
    const plan = planBatch(rows, { maxBatch: 1, windowFull: false });
    expect(ids(plan)).toEqual([rows[1]!.id]);
    expect(plan.skipped.map((m) => m.row.id)).toEqual([rows[0]!.id]);
  });

  it('skips the oldest context of a full window without any trigger, so it cannot stall', () => {
    const rows = [ctx('a'), ctx('b'), ctx('c'), ctx('d')];
    const plan = planBatch(rows, { maxBatch: 3, windowFull: true });
    expect(plan.turn).toBeNull();
    expect(plan.skipped.map((m) => m.row.id)).toEqual([rows[0]!.id, rows[1]!.id]);
  });

  it('runs a gated command alone and leaves the context before it pending', () => {
    const rows = [ctx('a'), row('/clear'), row('after')];
    const plan = planBatch(rows, { maxBatch: 10, windowFull: false });
    expect(plan.turn).toMatchObject({ type: 'command', command: '/clear' });
    expect(plan.turn?.type === 'command' && plan.turn.message.row.id).toBe(rows[1]!.id);
    expect(plan.skipped).toEqual([]);
  });

  it('ends a batch before a later command', () => {
    const rows = [row('a'), row('/compact now'), row('b')];
    expect(ids(planBatch(rows, { maxBatch: 10, windowFull: false }))).toEqual([rows[0]!.id]);
  });

  it('treats an accumulated or unknown slash command as ordinary text', () => {
    const rows = [ctx('/clear'), row('/weather today')];
    expect(ids(planBatch(rows, { maxBatch: 10, windowFull: false }))).toEqual(rows.map((r) => r.id));
  });

  it('reports rows whose content does not parse and leaves them out', () => {
    const bad = row('x', { content: JSON.stringify({ nope: 1 }) });
    const good = row('ok');
    const plan = planBatch([bad, good], { maxBatch: 10, windowFull: false });
    expect(plan.invalid.map((m) => m.row.id)).toEqual([bad.id]);
    expect(ids(plan)).toEqual([good.id]);
  });

  it('handles task rows as triggers', () => {
    const task = row('', { kind: 'task', content: JSON.stringify({ prompt: 'do it' }) });
    expect(ids(planBatch([task], { maxBatch: 10, windowFull: false }))).toEqual([task.id]);
  });
});

describe('replyTarget', () => {
  it('answers the last triggering message, not trailing context', () => {
    const rows = [row('a'), row('b'), ctx('c')];
    const plan = planBatch(rows, { maxBatch: 10, windowFull: false });
    expect(plan.turn?.type === 'messages' && replyTarget(plan.turn.messages).row.id).toBe(rows[1]!.id);
  });
});
