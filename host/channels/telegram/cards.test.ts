import { describe, expect, it } from 'vitest';
import { CardStore, callbackData, cardKeyboard, parseCallbackData } from './cards.js';

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

  it('maps a click back to the option value of a remembered card', () => {
    const store = new CardStore();
    store.remember(card);
    expect(store.resolve('q:q-lz1x2-a1b2c3:1')).toEqual({ questionId: 'q-lz1x2-a1b2c3', value: 'no' });
    expect(store.resolve('q:q-lz1x2-a1b2c3:7')).toBeNull();
    expect(store.resolve('q:unknown:0')).toBeNull();
    expect(store.resolve('garbage')).toBeNull();
    expect(parseCallbackData('q:a:b:2')).toEqual({ questionId: 'a:b', index: 2 });
  });

  it('forgets the oldest cards past its bound', () => {
    const store = new CardStore(2);
    for (const id of ['a', 'b', 'c']) store.remember({ ...card, questionId: id });
    expect(store.resolve('q:a:0')).toBeNull();
    expect(store.resolve('q:c:0')).toEqual({ questionId: 'c', value: 'yes' });
  });
});
