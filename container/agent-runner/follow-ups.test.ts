import { describe, expect, it } from 'vitest';
import type { MessageIn } from '../../protocol/session-db.js';
import { messageInRow } from '../../test/support/message-in.js';
import { planDuringTurn } from './follow-ups.js';

let seq = 0;
function row(text: string, opts: Partial<MessageIn> = {}): MessageIn {
  seq += 2;
  return messageInRow({
    id: `m${seq}`,
    seq,
    channel_type: 'web',
    platform_id: 'chat-1',
    content: JSON.stringify({ text, sender: 'web:alice' }),
    ...opts,
  });
}
const running = { channel_type: 'web', platform_id: 'chat-1', thread_id: null };
const plan = (rows: MessageIn[], maxBatch = 10) => {
  const p = planDuringTurn(rows, running, { maxBatch });
  return { stop: p.stop?.row.id ?? null, followUps: p.followUps.map((m) => m.row.id) };
};

describe('planDuringTurn', () => {
  it('takes what the next turn would be: context riding along with a trigger for the same chat', () => {
    const rows = [row('aside', { trigger: 0 }), row('more'), row('and more')];
    expect(plan(rows)).toEqual({ stop: null, followUps: rows.map((r) => r.id) });
  });

  it('takes nothing while only accumulated context arrived', () => {
    expect(plan([row('aside', { trigger: 0 })])).toEqual({ stop: null, followUps: [] });
  });

  it('leaves a message for another chat or thread to its own turn', () => {
    expect(plan([row('elsewhere', { platform_id: 'chat-2' })]).followUps).toEqual([]);
    expect(plan([row('in a thread', { thread_id: 't1' })]).followUps).toEqual([]);
  });

  it('stops before a gated command, and leaves a command first in line alone', () => {
    const rows = [row('more'), row('/compact'), row('after')];
    expect(plan(rows).followUps).toEqual([rows[0]!.id]);
    expect(plan([row('/clear'), row('after')]).followUps).toEqual([]);
  });

  it('sees a /stop first, wherever it is in the window, and takes nothing else with it', () => {
    const rows = [row('more'), row('/clear'), row('/stop'), row('/STOP again')];
    expect(plan(rows)).toEqual({ stop: rows[2]!.id, followUps: [] });
  });

  it('treats /stop as accumulated context or a task prompt as text', () => {
    const rows = [row('/stop', { trigger: 0 })];
    expect(plan(rows)).toEqual({ stop: null, followUps: [] });
    const task = row('x', { kind: 'task', content: JSON.stringify({ prompt: '/stop' }) });
    expect(plan([task])).toEqual({ stop: null, followUps: [task.id] });
  });

  it('takes at most maxBatch rows in one look', () => {
    const rows = [row('a'), row('b'), row('c')];
    expect(plan(rows, 2).followUps).toEqual([rows[0]!.id, rows[1]!.id]);
  });
});
