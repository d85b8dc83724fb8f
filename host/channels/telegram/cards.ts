/**
 * Question cards as inline keyboards. A button's callback_data is `q:<questionId>:<optionIndex>` (Telegram allows
 * 64 bytes); the option values of the cards this adapter sent are remembered here, so a click maps back to the
 * value the agent offered.
 *
 * Invariants: a card whose callback_data would not fit is refused before anything is sent (never truncated);
 * the store is bounded (oldest cards forgotten first), and a click on a forgotten card (sent before a restart)
 * resolves to nothing, so the caller tells the clicker it expired.
 */
import type { OutboundPayload } from '../adapter.js';

const MAX_CALLBACK_BYTES = 64;
const MAX_CARDS = 2000;
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

/** The option values of the cards sent, by question id. */
export class CardStore {
  private readonly values = new Map<string, string[]>();

  constructor(private readonly max = MAX_CARDS) {}

  remember(card: Card): void {
    this.values.delete(card.questionId);
    this.values.set(
      card.questionId,
      card.options.map((o) => o.value),
    );
    if (this.values.size > this.max) this.values.delete(this.values.keys().next().value as string);
  }

  /** The clicked option's value, or null for a card this adapter does not know (or no such option). */
  resolve(data: string): { questionId: string; value: string } | null {
    const parsed = parseCallbackData(data);
    if (!parsed) return null;
    const value = this.values.get(parsed.questionId)?.[parsed.index];
    return value === undefined ? null : { questionId: parsed.questionId, value };
  }
}
