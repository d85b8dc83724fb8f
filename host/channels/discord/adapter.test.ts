/**
 * The adapter through the real discord.js against the local fake Discord (test/fakes/discord): gateway in,
 * REST out, with a recording sink in place of the host.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../../test/fakes/discord/fake-discord.js';
import type { ClickOutcome, InboundMessage, InboundSink, QuestionClick } from '../adapter.js';
import { DiscordAdapter } from './adapter.js';

let discord: FakeDiscord;
let adapter: DiscordAdapter;
const received: InboundMessage[] = [];
const clicks: QuestionClick[] = [];
let clickOutcome: ClickOutcome = 'answered';
const sink: InboundSink = {
  onMessage: (m) => {
    received.push(m);
    return Promise.resolve({ delivered: 1, dropped: null });
  },
  onAction: (c) => {
    clicks.push(c);
    return Promise.resolve(clickOutcome);
  },
};
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

beforeAll(async () => {
  discord = await FakeDiscord.start();
  adapter = new DiscordAdapter(
    'discord',
    { token: discord.token, apiUrl: discord.apiUrl, tokenKey: 'DISCORD_BOT_TOKEN' },
    log,
  );
  await adapter.start(sink);
});

afterAll(async () => {
  await adapter?.stop();
  await discord?.close();
});

beforeEach(() => {
  received.length = 0;
  clicks.length = 0;
});

const nextMessage = () => discord.waitFor(() => received[0], 'an inbound message');
const channel = () => ({ channelType: 'discord', platformId: discord.channelId, threadId: null });

describe('inbound', () => {
  it('connects with JSON encoding, API v10 and no compression', () => {
    expect(discord.gateway.connectQueries[0]).toBe('?v=10&encoding=json');
    expect(discord.gateway.identifies).toBe(1);
  });

  it('turns a guild message mentioning the bot into a mention from the author id', async () => {
    const sent = discord.post(discord.alice, `<@${discord.bot.id}> hello`, {
      mentions: [discord.bot],
      nick: 'Ali',
    });
    expect(await nextMessage()).toMatchObject({
      channelType: 'discord',
      platformId: discord.channelId,
      threadId: null,
      messageId: sent.id,
      senderHandle: discord.alice.id,
      senderName: 'Ali',
      text: `<@${discord.bot.id}> hello`,
      isMention: true,
      isGroup: true,
    });
  });

  it('addresses a thread message to its parent channel with the thread id', async () => {
    discord.post(discord.bob, 'in the thread', { in: 'thread' });
    expect(await nextMessage()).toMatchObject({
      platformId: discord.channelId,
      threadId: discord.threadId,
      senderName: 'bob',
      isMention: false,
      isGroup: true,
    });
  });

  it('counts a reply to the bot as a mention', async () => {
    const mine = await adapter.send(channel(), { text: 'I said this' });
    discord.post(discord.bob, 'answering you', { replyTo: mine.platformMessageId! });
    expect(await nextMessage()).toMatchObject({ isMention: true, senderHandle: discord.bob.id });
  });

  it('treats a DM as a mention that is not a group, named by the global name', async () => {
    discord.post(discord.alice, 'psst', { in: 'dm' });
    expect(await nextMessage()).toMatchObject({
      platformId: discord.dmWith(discord.alice).id,
      threadId: null,
      isMention: true,
      isGroup: false,
      senderName: 'Alice A.',
    });
  });

  it('never passes on its own, other bots’, webhook or system messages', async () => {
    discord.post(discord.bot, 'echo of myself');
    discord.post(discord.otherBot, 'beep');
    discord.post(discord.bob, 'via webhook', { webhookId: '123456789012345678' });
    discord.post(discord.bob, '', { type: 7 }); // member join
    discord.post(discord.bob, 'after them');
    expect((await nextMessage()).text).toBe('after them');
    expect(received).toHaveLength(1);
  });

  it('passes an edit on as a new message pointing at the original', async () => {
    const original = discord.post(discord.alice, 'teh typo');
    await nextMessage();
    const edited = discord.edit(original.id as string, 'the typo');
    const edit = await discord.waitFor(() => received[1], 'the edit');
    const editedMs = Date.parse(edited.edited_timestamp as string);
    expect(edit).toMatchObject({
      messageId: `${original.id as string}~${editedMs}`,
      editOf: original.id,
      text: 'the typo',
    });
  });

  it('downloads an attachment only when asked, refusing one over the cap', async () => {
    const file = discord.rest.hostFile('notes.txt', Buffer.from('hello file'), 'text/plain');
    discord.post(discord.alice, 'see attached', { attachments: [file] });
    const [att] = (await nextMessage()).attachments!;
    expect(att).toMatchObject({ name: 'notes.txt', mimeType: 'text/plain', size: 10 });
    expect((await att!.download(1024)).toString()).toBe('hello file');
    await expect(att!.download(5)).rejects.toThrow(/over the 5-byte limit/);
  });

  it('survives malformed gateway frames and payloads and keeps reading', async () => {
    discord.gateway.sendRaw('{not json');
    discord.gateway.dispatch('MESSAGE_CREATE', { id: 'x', channel_id: discord.channelId });
    discord.gateway.dispatch('INTERACTION_CREATE', { id: 'y', type: 3 });
    discord.post(discord.bob, 'still here');
    expect((await nextMessage()).text).toBe('still here');
  });
});

describe('outbound', () => {
  it('posts Discord Markdown with every ping disabled', async () => {
    const before = discord.rest.sent.length;
    await adapter.send(channel(), { text: '**Hi** @everyone, a_b' });
    const [msg] = discord.rest.sent.slice(before);
    expect(msg).toMatchObject({ content: '**Hi** @everyone, a\\_b', channelId: discord.channelId });
    expect(msg!.allowedMentions).toEqual({ parse: [], replied_user: false });
  });

  it('replies in the thread channel, referencing the message it answers', async () => {
    const inbound = discord.post(discord.alice, 'question', { in: 'thread' });
    await nextMessage();
    const before = discord.rest.sent.length;
    await adapter.send(
      { channelType: 'discord', platformId: discord.channelId, threadId: discord.threadId },
      { text: 'answer', inReplyTo: inbound.id as string },
    );
    expect(discord.rest.sent.slice(before)).toEqual([
      expect.objectContaining({
        channelId: discord.threadId,
        messageReference: expect.objectContaining({ message_id: inbound.id }),
      }),
    ]);
  });

  it('splits a long reply into messages of at most 2000 characters', async () => {
    const before = discord.rest.sent.length;
    const para = 'lorem ipsum '.repeat(60).trim(); // two fit one message, the third does not
    const res = await adapter.send(channel(), { text: [para, para, para].join('\n\n') });
    const sent = discord.rest.sent.slice(before);
    expect(sent.length).toBe(2);
    expect(sent.every((m) => m.content.length <= 2000)).toBe(true);
    expect(res.platformMessageId).toBe(sent[0]!.id);
  });

  it('uploads files with the message', async () => {
    const before = discord.rest.sent.length;
    await adapter.send(channel(), {
      text: 'report',
      files: [{ name: 'r.csv', data: Buffer.from('a,b\n1,2\n') }],
    });
    const [msg] = discord.rest.sent.slice(before);
    expect(msg!.content).toBe('report');
    expect(msg!.files).toEqual([{ name: 'r.csv', data: Buffer.from('a,b\n1,2\n') }]);
  });

  it('edits, reacts and shows typing by the platform ids', async () => {
    const { platformMessageId } = await adapter.send(channel(), { text: 'draft' });
    await adapter.edit(channel(), platformMessageId!, 'final *version*');
    expect(discord.rest.edits.at(-1)).toEqual({
      channelId: discord.channelId,
      messageId: platformMessageId,
      content: 'final *version*',
    });
    await adapter.react(channel(), platformMessageId!, '👍');
    expect(discord.rest.reactions.at(-1)).toEqual({
      channelId: discord.channelId,
      messageId: platformMessageId,
      emoji: '👍',
    });
    await adapter.setTyping({
      channelType: 'discord',
      platformId: discord.channelId,
      threadId: discord.threadId,
    });
    expect(discord.rest.typing.at(-1)).toBe(discord.threadId);
  });

  it('throws with Discord’s error when the platform refuses', async () => {
    await expect(adapter.edit(channel(), '123456789012345678', 'x')).rejects.toThrow(/Unknown Message/);
  });

  it('opens a DM channel for a user id', async () => {
    const id = await adapter.openDM(discord.bob.id);
    expect(id).toBe(discord.dmWith(discord.bob).id);
    await adapter.send({ channelType: 'discord', platformId: id, threadId: null }, { text: 'hello bob' });
    expect(discord.rest.sent.at(-1)).toMatchObject({ channelId: id, content: 'hello bob' });
    await expect(adapter.openDM('bob')).rejects.toThrow(/not a Discord user id/);
  });
});

describe('question cards', () => {
  const card = (questionId: string) => ({
    text: 'Deploy now?',
    question: {
      questionId,
      title: 'Deploy',
      question: 'Deploy now?',
      options: [
        { label: 'Yes', value: 'yes' },
        { label: 'No', value: 'no' },
      ],
    },
  });

  it('sends buttons and reports a click with the clicker’s id and the option value', async () => {
    clickOutcome = 'answered';
    const { platformMessageId } = await adapter.send(channel(), card('q-1'));
    const sent = discord.rest.sent.at(-1)!;
    expect(sent.content).toBe('**Deploy**\n\nDeploy now?');
    expect(sent.components[0]!.components.map((b) => [b.label, b.custom_id])).toEqual([
      ['Yes', 'q:q-1:0'],
      ['No', 'q:q-1:1'],
    ]);
    const interaction = discord.click(platformMessageId!, 'q:q-1:1', discord.alice);
    const cb = await discord.waitFor(
      () => discord.rest.callbacks.find((c) => c.interactionId === interaction),
      'the callback',
    );
    expect(clicks).toEqual([
      {
        channelType: 'discord',
        questionId: 'q-1',
        choice: { index: 1 },
        senderHandle: discord.alice.id,
        senderName: 'Alice A.',
      },
    ]);
    expect(cb).toMatchObject({ type: 7, data: { components: [] } });
  });

  it('tells only the clicker when the click is not theirs to answer', async () => {
    clickOutcome = 'not_yours';
    const { platformMessageId } = await adapter.send(channel(), card('q-2'));
    const interaction = discord.click(platformMessageId!, 'q:q-2:0', discord.bob);
    const cb = await discord.waitFor(
      () => discord.rest.callbacks.find((c) => c.interactionId === interaction),
      'the callback',
    );
    expect(clicks[0]).toMatchObject({ senderHandle: discord.bob.id, choice: { index: 0 } });
    expect(cb).toMatchObject({
      type: 4,
      data: { content: 'This question was asked of someone else.', flags: 64 },
    });
  });

  it('leaves a click on a card the host does not know to the host, and tells the clicker', async () => {
    clickOutcome = 'no_such_question';
    const { platformMessageId } = await adapter.send(channel(), { text: 'plain' });
    const interaction = discord.click(platformMessageId!, 'q:q-unknown:0', discord.bob);
    const cb = await discord.waitFor(
      () => discord.rest.callbacks.find((c) => c.interactionId === interaction),
      'the callback',
    );
    expect(clicks.at(-1)).toMatchObject({ questionId: 'q-unknown', choice: { index: 0 } });
    expect(cb).toMatchObject({ type: 4, data: { content: 'This question is no longer open.' } });
  });
});

describe('reliability', () => {
  it('waits out a 429 as retry_after says, then sends once', async () => {
    discord.rest.rateLimit('POST', new RegExp(`^/channels/${discord.channelId}/messages$`), 1, 1);
    const before = discord.rest.sent.length;
    const started = Date.now();
    await adapter.send(channel(), { text: 'after the limit' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(discord.rest.sent.slice(before).map((m) => m.content)).toEqual(['after the limit']);
  });

  it('gives up at once on a 429 whose retry_after is past the budget, so delivery can retry later', async () => {
    discord.rest.rateLimit('POST', new RegExp(`^/channels/${discord.channelId}/messages$`), 1, 120);
    const started = Date.now();
    await expect(adapter.send(channel(), { text: 'too limited' })).rejects.toThrow(/rate limit/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('resumes after the connection drops; a message sent meanwhile arrives once', async () => {
    discord.gateway.drop();
    const missed = discord.post(discord.alice, 'while you were away');
    const msg = await nextMessage();
    expect(msg.messageId).toBe(missed.id);
    expect(discord.gateway.resumes).toBe(1);
    expect(discord.gateway.identifies).toBe(1);
    discord.post(discord.alice, 'after resume');
    await discord.waitFor(() => received[1], 'the next message');
    expect(received.map((m) => m.text)).toEqual(['while you were away', 'after resume']);
  });

  it('resumes when Discord asks for a reconnect (op 7)', async () => {
    const resumes = discord.gateway.resumes;
    discord.gateway.requestReconnect();
    await discord.waitFor(() => discord.gateway.resumes > resumes && discord.gateway.connected, 'a resume');
    discord.post(discord.bob, 'hello again');
    expect((await nextMessage()).text).toBe('hello again');
  });
});

describe('verify', () => {
  it('reports the bot’s name when the token works', async () => {
    expect(await adapter.verify()).toEqual({ state: 'reachable', detail: 'nanobot' });
  });

  it('refuses to start with a token Discord refuses, naming the variable', async () => {
    const bad = new DiscordAdapter(
      'discord-ops',
      { token: 'y'.repeat(30), apiUrl: discord.apiUrl, tokenKey: 'DISCORD_BOT_TOKEN_OPS' },
      log,
    );
    await expect(bad.start(sink)).rejects.toThrow(/^DISCORD_BOT_TOKEN_OPS: Discord refused the token/);
  });

  it('reports Discord’s error for a bad token', async () => {
    const bad = new DiscordAdapter(
      'discord',
      { token: 'x'.repeat(30), apiUrl: discord.apiUrl, tokenKey: 'DISCORD_BOT_TOKEN' },
      log,
    );
    expect(await bad.verify()).toEqual({ state: 'failing', error: '401 401: Unauthorized' });
  });
});
