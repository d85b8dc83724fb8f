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
  adapter = new DiscordAdapter('discord', { token: discord.token, apiUrl: discord.apiUrl }, log);
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
});
