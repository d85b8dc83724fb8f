import { describe, expect, it } from 'vitest';
import type { InboundAttachment } from '../adapter.js';
import { interpretUpdate, type FileRef, type InterpretContext } from './inbound.js';

const bot = { id: 999, username: 'nano_bot' };
const refs: FileRef[] = [];
const ctx: InterpretContext = {
  channelType: 'telegram-ops',
  bot,
  attachment: (ref): InboundAttachment => {
    refs.push(ref);
    return {
      name: ref.name,
      mimeType: ref.mimeType,
      size: ref.size,
      download: () => Promise.resolve(Buffer.alloc(0)),
    };
  },
};
const alice = { id: 111, is_bot: false, first_name: 'Alice', last_name: 'A', username: 'alice' };
const group = { id: -100123, type: 'supergroup' };

function msg(extra: Record<string, unknown>) {
  return { message_id: 7, date: 1_700_000_000, chat: group, from: alice, ...extra };
}
const event = (u: unknown) => interpretUpdate(u, ctx).event;

describe('interpretUpdate: messages', () => {
  it('reads a DM as a mention from the sender, chat id = user id', () => {
    const e = event({ update_id: 1, message: msg({ chat: { id: 111, type: 'private' }, text: 'hi' }) });
    expect(e).toEqual({
      kind: 'message',
      message: {
        channelType: 'telegram-ops',
        platformId: '111',
        threadId: null,
        messageId: '7',
        senderHandle: '111',
        senderName: 'Alice A',
        text: 'hi',
        isMention: true,
        isGroup: false,
        timestamp: '2023-11-14T22:13:20.000Z',
      },
    });
  });

  it('puts a forum topic message in its thread, and ignores reply threads outside forums', () => {
    const topic = event({
      update_id: 1,
      message: msg({ text: 'x', message_thread_id: 42, is_topic_message: true }),
    });
    expect(topic).toMatchObject({ message: { platformId: '-100123', threadId: '42', isGroup: true } });
    const reply = event({ update_id: 1, message: msg({ text: 'x', message_thread_id: 5 }) });
    expect(reply).toMatchObject({ message: { threadId: null } });
  });

  it.each([
    [
      'a mention entity of the bot username',
      { text: 'hey @Nano_Bot', entities: [{ type: 'mention', offset: 4, length: 9 }] },
      true,
    ],
    [
      'a mention entity of someone else',
      { text: 'hey @other_bot', entities: [{ type: 'mention', offset: 4, length: 10 }] },
      false,
    ],
    [
      'a text_mention of the bot user',
      {
        text: 'hey bot',
        entities: [
          { type: 'text_mention', offset: 4, length: 3, user: { id: 999, is_bot: true, first_name: 'b' } },
        ],
      },
      true,
    ],
    [
      'a command addressed to the bot',
      { text: '/help@nano_bot', entities: [{ type: 'bot_command', offset: 0, length: 14 }] },
      true,
    ],
    ['the bot username typed without an entity', { text: '@nano_bot hello' }, false],
    [
      'a reply to a bot message',
      { text: 'ok', reply_to_message: { message_id: 3, from: { id: 999, is_bot: true, first_name: 'b' } } },
      true,
    ],
    [
      'a topic message whose topic the bot created',
      {
        text: 'ok',
        reply_to_message: {
          message_id: 3,
          from: { id: 999, is_bot: true, first_name: 'b' },
          forum_topic_created: {},
        },
      },
      false,
    ],
    [
      'a caption mention',
      {
        caption: '@nano_bot look',
        caption_entities: [{ type: 'mention', offset: 0, length: 9 }],
        document: { file_id: 'f' },
      },
      true,
    ],
  ])('mention: %s → %s', (_what, extra, expected) => {
    expect(event({ update_id: 1, message: msg(extra) })).toMatchObject({ message: { isMention: expected } });
  });

  it('gives an edit its own id and points it at the original', () => {
    const e = event({ update_id: 2, edited_message: msg({ text: 'fixed', edit_date: 1_700_000_060 }) });
    expect(e).toMatchObject({
      kind: 'message',
      message: {
        messageId: '7~1700000060',
        editOf: '7',
        text: 'fixed',
        timestamp: '2023-11-14T22:14:20.000Z',
      },
    });
  });

  it('ignores bots, the bot itself, channel posts, senderless and empty messages', () => {
    expect(
      event({ update_id: 1, message: msg({ text: 'x', from: { id: 5, is_bot: true, first_name: 'b' } }) }),
    ).toEqual({ kind: 'ignored', reason: 'from a bot' });
    expect(
      event({ update_id: 1, message: msg({ text: 'x', from: { id: 999, is_bot: true, first_name: 'b' } }) }),
    ).toEqual({ kind: 'ignored', reason: 'own message' });
    expect(event({ update_id: 1, message: msg({ text: 'x', chat: { id: -5, type: 'channel' } }) }).kind).toBe(
      'ignored',
    );
    expect(event({ update_id: 1, message: { message_id: 1, date: 1, chat: group, text: 'x' } }).kind).toBe(
      'ignored',
    );
    expect(event({ update_id: 1, message: msg({ new_chat_members: [] }) }).kind).toBe('ignored');
  });

  it('describes attachments (largest photo, document, voice) with the caption as text', () => {
    refs.length = 0;
    const e = event({
      update_id: 1,
      message: msg({
        caption: 'see',
        photo: [
          { file_id: 'small', width: 90, height: 90, file_size: 10 },
          { file_id: 'big', width: 800, height: 600, file_size: 999 },
        ],
        document: { file_id: 'doc', file_name: 'a.pdf', mime_type: 'application/pdf', file_size: 5 },
        voice: { file_id: 'v', file_size: 3 },
      }),
    });
    expect(e).toMatchObject({ kind: 'message', message: { text: 'see' } });
    expect(refs).toEqual([
      { fileId: 'big', name: null, mimeType: 'image/jpeg', size: 999 },
      { fileId: 'doc', name: 'a.pdf', mimeType: 'application/pdf', size: 5 },
      { fileId: 'v', name: null, mimeType: 'audio/ogg', size: 3 },
    ]);
  });
});

describe('interpretUpdate: clicks and malformed payloads', () => {
  it('reads a card click with the clicker as sender', () => {
    expect(
      interpretUpdate({ update_id: 9, callback_query: { id: 'cq', from: alice, data: 'q:x:1' } }, ctx),
    ).toEqual({
      updateId: 9,
      event: { kind: 'click', queryId: 'cq', data: 'q:x:1', senderHandle: '111', senderName: 'Alice A' },
    });
  });

  it.each([
    ['null', null],
    ['a string', 'nope'],
    [
      'a message without a chat',
      { update_id: 3, message: { message_id: 1, date: 1, from: alice, text: 'x' } },
    ],
    [
      'a chat id that is a string',
      { update_id: 3, message: msg({ chat: { id: '1', type: 'private' }, text: 'x' }) },
    ],
    ['entities that are not a list', { update_id: 3, message: msg({ text: 'x', entities: 'all' }) }],
  ])('drops %s as malformed without throwing', (_what, payload) => {
    const r = interpretUpdate(payload, ctx);
    expect(r.event).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/^malformed/) });
  });

  it('keeps the update id of a malformed update so the poller can move past it', () => {
    expect(interpretUpdate({ update_id: 3, message: { chat: 1 } }, ctx).updateId).toBe(3);
    expect(interpretUpdate({ update_id: 4, my_chat_member: {} }, ctx)).toEqual({
      updateId: 4,
      event: { kind: 'ignored', reason: 'unhandled update type' },
    });
  });
});
