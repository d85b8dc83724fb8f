import { describe, expect, it } from 'vitest';
import { parseQuestionAction, questionBlocks } from './question-blocks.js';

const card = {
  questionId: 'qid-1',
  title: 'Deploy?',
  question: 'Ship **v2** to <prod>?',
  options: [
    { label: 'Yes', value: 'yes' },
    { label: 'No', value: 'no' },
  ],
};

describe('questionBlocks', () => {
  it('renders a section and one button per option with q:<id>:<index> action ids and option values', () => {
    const { text, blocks } = questionBlocks(card);
    expect(text).toBe('Deploy?: Ship **v2** to <prod>?');
    expect(blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Deploy?*\nShip *v2* to &lt;prod&gt;?' },
    });
    expect(blocks[1]).toMatchObject({
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'q:qid-1:0', value: 'yes', text: { type: 'plain_text', text: 'Yes' } },
        { type: 'button', action_id: 'q:qid-1:1', value: 'no', text: { type: 'plain_text', text: 'No' } },
      ],
    });
  });

  it('keeps labels within 75 characters and puts at most 25 buttons in one actions block', () => {
    const options = Array.from({ length: 30 }, (_, i) => ({ label: 'x'.repeat(100), value: `v${i}` }));
    const { blocks } = questionBlocks({ ...card, options });
    expect(blocks).toHaveLength(3);
    const elements = (blocks[1] as { elements: { text: { text: string } }[] }).elements;
    expect(elements).toHaveLength(25);
    expect(elements[0]!.text.text.length).toBe(75);
  });

  it('refuses an option value Slack would not carry', () => {
    expect(() => questionBlocks({ ...card, options: [{ label: 'big', value: 'v'.repeat(2001) }] })).toThrow(
      /qid-1: option 0 value is 2001 characters/,
    );
  });
});

describe('parseQuestionAction', () => {
  it('reads the question id back, also when it contains colons', () => {
    expect(parseQuestionAction('q:qid-1:0')).toEqual({ questionId: 'qid-1' });
    expect(parseQuestionAction('q:a:b:12')).toEqual({ questionId: 'a:b' });
  });

  it('ignores actions that are not question buttons', () => {
    expect(parseQuestionAction('other:1')).toBeNull();
    expect(parseQuestionAction('q::1')).toBeNull();
  });
});
