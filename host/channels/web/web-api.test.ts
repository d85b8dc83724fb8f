import { describe, expect, it } from 'vitest';
import { ChatId, dropSentence, IdempotencyKey, parseEventId, PostAction, PostMessage } from './web-api.js';

const issue = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; code: string }[] } }) =>
  r.success ? null : { path: r.error!.issues[0]!.path.join('.'), code: r.error!.issues[0]!.code };

describe('PostMessage', () => {
  it('accepts a text alone and every optional field', () => {
    expect(PostMessage.safeParse({ text: 'hi' }).success).toBe(true);
    expect(
      PostMessage.parse({
        text: 'hi',
        chat: 'main',
        thread: null,
        mention: false,
      }),
    ).toEqual({ text: 'hi', chat: 'main', thread: null, mention: false });
  });

  it('refuses a sender or a display name in the body: the sender is the authenticated user', () => {
    expect(issue(PostMessage.safeParse({ text: 'x', sender: 'owner' }))).toEqual({
      path: '',
      code: 'unrecognized_keys',
    });
    expect(issue(PostMessage.safeParse({ text: 'x', senderName: 'Owner' }))?.code).toBe('unrecognized_keys');
  });

  it.each<[string, unknown, { path: string; code: string }]>([
    ['a missing text', { chat: 'a' }, { path: 'text', code: 'invalid_type' }],
    ['an empty text', { text: '' }, { path: 'text', code: 'too_small' }],
    ['a text over 32000 characters', { text: 'x'.repeat(32_001) }, { path: 'text', code: 'too_big' }],
    ['an unknown field', { text: 'x', colour: 'red' }, { path: '', code: 'unrecognized_keys' }],
    ['a chat with a control character', { text: 'x', chat: 'a\u0007b' }, { path: 'chat', code: 'custom' }],
    ['a chat with DEL', { text: 'x', chat: 'a\u007fb' }, { path: 'chat', code: 'custom' }],
    ['a chat with U+2028', { text: 'x', chat: 'a\u2028b' }, { path: 'chat', code: 'custom' }],
    ['a thread with U+2029', { text: 'x', thread: 'a\u2029b' }, { path: 'thread', code: 'custom' }],
    ['a chat with a zero-width joiner', { text: 'x', chat: 'a\u200db' }, { path: 'chat', code: 'custom' }],
    ['an empty chat', { text: 'x', chat: '' }, { path: 'chat', code: 'too_small' }],
    ['a chat over 256 characters', { text: 'x', chat: 'c'.repeat(257) }, { path: 'chat', code: 'too_big' }],
    ['a thread that is not a string', { text: 'x', thread: 5 }, { path: 'thread', code: 'invalid_type' }],
    [
      'a mention that is not a boolean',
      { text: 'x', mention: 'yes' },
      { path: 'mention', code: 'invalid_type' },
    ],
  ])('rejects %s', (_what, body, expected) => {
    expect(issue(PostMessage.safeParse(body))).toEqual(expected);
  });
});

describe('PostAction', () => {
  it('accepts a question id and a value, and refuses a sender', () => {
    expect(PostAction.safeParse({ questionId: 'q1', value: 'yes' }).success).toBe(true);
    expect(PostAction.safeParse({ questionId: 'q1', value: 'yes', sender: 'ann' }).success).toBe(false);
  });

  it.each<[string, unknown, { path: string; code: string }]>([
    ['a missing question id', { value: 'yes' }, { path: 'questionId', code: 'invalid_type' }],
    ['an empty value', { questionId: 'q1', value: '' }, { path: 'value', code: 'too_small' }],
    [
      'a value over 200 characters',
      { questionId: 'q1', value: 'v'.repeat(201) },
      { path: 'value', code: 'too_big' },
    ],
    [
      'an unknown field',
      { questionId: 'q1', value: 'yes', chat: 'main' },
      { path: '', code: 'unrecognized_keys' },
    ],
  ])('rejects %s', (_what, body, expected) => {
    expect(issue(PostAction.safeParse(body))).toEqual(expected);
  });
});

describe('ChatId', () => {
  it('accepts what PostMessage accepts as a chat and nothing else', () => {
    for (const chat of ['main', 'c'.repeat(256), '', 'c'.repeat(257), 'a\nb'])
      expect(ChatId.safeParse(chat).success).toBe(PostMessage.safeParse({ text: 'x', chat }).success);
  });
});

describe('event ids', () => {
  it('are decimal row ids, read back as numbers', () => {
    expect(parseEventId('17')).toBe(17);
    expect(parseEventId('0')).toBe(0);
  });

  it.each(['', 'lq2x.17', '-1', '1.5', '1e3', ' 1', 'abc', '9'.repeat(16)])('are unreadable as %j', (id) => {
    expect(parseEventId(id)).toBeNull();
  });
});

describe('Idempotency-Key', () => {
  it('accepts a UUID or a hex key and refuses short, long or odd keys', () => {
    expect(IdempotencyKey.safeParse('0b9e0c1c-5f55-4a2e-9a27-2f1a4c1f5e77').success).toBe(true);
    expect(IdempotencyKey.safeParse('a'.repeat(32)).success).toBe(true);
    for (const bad of ['short', 'k'.repeat(129), 'has space here', 'new\nline-key'])
      expect(IdempotencyKey.safeParse(bad).success).toBe(false);
  });
});

describe('dropSentence', () => {
  it('tells a person in words why their message reached no agent, and is silent for commands', () => {
    expect(dropSentence('unknown_sender_strict')).toMatch(/not a member of this chat/);
    expect(dropSentence('unknown_sender_strict')).not.toMatch(/unknown_sender_strict/);
    expect(dropSentence('command')).toBeNull();
    expect(dropSentence(null)).toBeNull();
    expect(dropSentence('something_new')).toBe('Your message reached no agent (something_new).');
  });
});
