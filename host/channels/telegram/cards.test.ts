import { describe, expect, it } from 'vitest';
import { callbackData, cardKeyboard, parseCallbackData } from './cards.js';

const card = {
  questionId: 'q-lz1x2-a1b2c3',
  title: 'Deploy?',
  question: 'Deploy now?',
  options: [
    { label: 'Yes', value: 'yes' },
    { label: 'No', value: 'no' },
  ],
};

describe('question cards', () => {
  it('builds one button per option with q:<id>:<index> callback data', () => {
    expect(cardKeyboard(card)).toEqual({
      inline_keyboard: [
        [{ text: 'Yes', callback_data: 'q:q-lz1x2-a1b2c3:0' }],
        [{ text: 'No', callback_data: 'q:q-lz1x2-a1b2c3:1' }],
      ],
    });
  });

  it('refuses a question id whose callback data would pass 64 bytes', () => {
    expect(callbackData('x'.repeat(60), 0)).toHaveLength(64);
    expect(() => callbackData('x'.repeat(61), 0)).toThrow(/too long for a Telegram button/);
    expect(() => cardKeyboard({ ...card, options: [] })).toThrow(/no options/);
  });

  it('reads the question id and option position back from callback data', () => {
    expect(parseCallbackData('q:q-lz1x2-a1b2c3:1')).toEqual({ questionId: 'q-lz1x2-a1b2c3', index: 1 });
    expect(parseCallbackData('q:a:b:2')).toEqual({ questionId: 'a:b', index: 2 });
    expect(parseCallbackData('garbage')).toBeNull();
  });
});
