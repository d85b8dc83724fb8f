/** Reading the cards (inline keyboards) a bot sent to the fake Bot API, and what it answered a click with. */
import type { FakeTelegram, SentMessage } from './fake-telegram.js';

/** A card's question id and its buttons' labels, one button per row (callback data `q:<id>:<index>`). */
export function cardButtons(card: SentMessage): { id: string; labels: string[]; data: string[] } {
  const rows = (card.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] })
    .inline_keyboard;
  const data = rows.map((r) => r[0]!.callback_data);
  const id = /^q:(.+):0$/.exec(data[0]!)?.[1];
  if (!id) throw new Error(`not a question card: ${JSON.stringify(data)}`);
  return { id, labels: rows.map((r) => r[0]!.text), data };
}

/** The text the bot answered callback query `queryId` with (undefined when it answered without one). */
export async function callbackAnswer(fake: FakeTelegram, queryId: string): Promise<unknown> {
  const call = await fake.waitFor(
    () => fake.callsOf('answerCallbackQuery').find((c) => c.params.callback_query_id === queryId),
    `the answer to ${queryId}`,
  );
  return call.params.text;
}
