/** Builders of Bot API updates as Telegram sends them, for tests that inject them into the fake. */
export interface Person {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  is_bot?: boolean;
}

export const ALICE: Person = { id: 111, first_name: 'Alice', last_name: 'A', username: 'alice' };
export const BOB: Person = { id: 222, first_name: 'Bob' };

let nextMessageId = 1;

export interface MessageOpts {
  chat?: { id: number; type: 'private' | 'group' | 'supergroup' };
  from?: Person;
  text?: string;
  entities?: { type: string; offset: number; length: number; user?: unknown }[];
  thread?: number;
  messageId?: number;
  extra?: Record<string, unknown>;
}

export function message(opts: MessageOpts = {}): Record<string, unknown> {
  const from = opts.from ?? ALICE;
  const chat = opts.chat ?? { id: from.id, type: 'private' };
  return {
    message_id: opts.messageId ?? nextMessageId++,
    date: 1_700_000_000,
    chat,
    from: { is_bot: false, ...from },
    ...(opts.text !== undefined ? { text: opts.text } : {}),
    ...(opts.entities ? { entities: opts.entities } : {}),
    ...(opts.thread !== undefined ? { message_thread_id: opts.thread, is_topic_message: true } : {}),
    ...opts.extra,
  };
}

/** A `mention` entity for `@username` at the start of the text. */
export function mentionOf(username: string): { type: string; offset: number; length: number } {
  return { type: 'mention', offset: 0, length: username.length + 1 };
}

export function click(from: Person, data: string, id = `cq-${nextMessageId++}`): Record<string, unknown> {
  return { callback_query: { id, from: { is_bot: false, ...from }, chat_instance: 'ci', data } };
}
