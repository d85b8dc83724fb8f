/**
 * Question cards as inline keyboards. A button's callback_data is `q:<questionId>:<optionIndex>` (Telegram allows
 * 64 bytes); a click reports the option's position and the host maps it to the value it recorded with the card,
 * so cards sent before a restart still work.
 *
 * Invariant: a card whose callback_data would not fit is refused before anything is sent (never truncated).
 */
import type { OutboundPayload } from '../adapter.js';

const MAX_CALLBACK_BYTES = 64;
const DATA = /^q:(.+):(\d{1,3})$/;

type Card = NonNullable<OutboundPayload['question']>;

export interface InlineKeyboard {
  inline_keyboard: { text: string; callback_data: string }[][];
}

export function callbackData(questionId: string, index: number): string {
  const data = `q:${questionId}:${index}`;
  if (Buffer.byteLength(data, 'utf8') > MAX_CALLBACK_BYTES)
    throw new Error(
      `question id "${questionId}" is too long for a Telegram button (callback data is limited to ${MAX_CALLBACK_BYTES} bytes)`,
    );
  return data;
}

/** One button per row, labelled with the option's label. */
export function cardKeyboard(card: Card): InlineKeyboard {
  if (card.options.length === 0) throw new Error(`question "${card.questionId}" has no options`);
  return {
    inline_keyboard: card.options.map((o, i) => [
      { text: o.label, callback_data: callbackData(card.questionId, i) },
    ]),
  };
}

export function parseCallbackData(data: string): { questionId: string; index: number } | null {
  const m = DATA.exec(data);
  return m ? { questionId: m[1]!, index: Number(m[2]) } : null;
}
