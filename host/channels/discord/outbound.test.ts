import { describe, expect, it } from 'vitest';
import { parseQuestionButton, questionRows } from './cards.js';
import { planMessages, replyReference } from './outbound.js';

const file = (name: string) => ({ name, data: Buffer.from(name) });

describe('outbound plan', () => {
  it('puts a card’s buttons and the files on the last message and replies only with the first', () => {
    const long = Array.from({ length: 3 }, () => 'word '.repeat(300).trim()).join('\n\n');
    const plan = planMessages({
      text: long,
      inReplyTo: '123456789012345678~1700000000000',
      files: [file('a.txt')],
      question: { questionId: 'q-1', title: 'T', question: long, options: [{ label: 'A', value: 'a' }] },
    });
    expect(plan.length).toBeGreaterThan(1);
    expect(plan[0]!.replyTo).toBe('123456789012345678');
    expect(plan.slice(1).every((p) => p.replyTo === undefined)).toBe(true);
    expect(plan.at(-1)!.components).toHaveLength(1);
    expect(plan.at(-1)!.files).toEqual([file('a.txt')]);
    expect(plan[0]!.content!.startsWith('**T**')).toBe(true);
  });

  it('sends files ten to a message, also without text', () => {
    const files = Array.from({ length: 12 }, (_, i) => file(`${i}.txt`));
    const plan = planMessages({ text: '', files });
    expect(plan.map((p) => [p.content, p.files?.length])).toEqual([
      [undefined, 10],
      [undefined, 2],
    ]);
  });

  it('refuses an empty message and only references Discord message ids', () => {
    expect(() => planMessages({ text: '' })).toThrow(/nothing to send/);
    expect(replyReference('m-abc123')).toBeNull();
    expect(replyReference(null)).toBeNull();
    expect(replyReference('123456789012345678')).toBe('123456789012345678');
  });
});

describe('question buttons', () => {
  it('lays out five buttons a row with q:<id>:<index> ids and short labels', () => {
    const options = Array.from({ length: 7 }, (_, i) => ({ label: i === 0 ? 'x'.repeat(90) : `o${i}` }));
    const rows = questionRows('q-9', options);
    expect(rows.map((r) => r.components.length)).toEqual([5, 2]);
    expect(rows[1]!.components[1]!.custom_id).toBe('q:q-9:6');
    expect(rows[0]!.components[0]!.label).toHaveLength(80);
    expect(parseQuestionButton('q:q-9:6')).toEqual({ questionId: 'q-9', index: 6 });
    expect(parseQuestionButton('other')).toBeNull();
  });

  it('refuses a card Discord cannot show', () => {
    expect(() => questionRows('q'.repeat(100), [{ label: 'a' }])).toThrow(/too long/);
    expect(() =>
      questionRows(
        'q',
        Array.from({ length: 26 }, () => ({ label: 'a' })),
      ),
    ).toThrow(/25 buttons/);
  });
});
