import { describe, expect, it } from 'vitest';
import { buildInbound, type DiscordMessageFacts } from './inbound.js';

const BOT = '900000000000000001';
const facts = (over: Partial<DiscordMessageFacts> = {}): DiscordMessageFacts => ({
  id: '100000000000000001',
  channelId: '200000000000000001',
  guildId: '300000000000000001',
  threadParentId: null,
  type: 0,
  author: { id: '400000000000000001', bot: false, username: 'alice', globalName: 'Alice' },
  webhookId: null,
  nickname: null,
  content: 'hi',
  mentionsBot: false,
  repliesToBot: false,
  createdAt: Date.UTC(2025, 0, 1),
  editedAt: null,
  attachments: [],
  ...over,
});
const ctx = { channelType: 'discord-support', botId: BOT, edit: false };

describe('Discord message → InboundMessage', () => {
  it('takes the sender from the author id and names them nickname, then global name, then username', () => {
    expect(buildInbound(facts({ nickname: 'Ali' }), ctx)).toMatchObject({
      message: { senderHandle: '400000000000000001', senderName: 'Ali', channelType: 'discord-support' },
    });
    expect(buildInbound(facts(), ctx)).toMatchObject({ message: { senderName: 'Alice' } });
    const noGlobal = facts({ author: { id: '4', bot: false, username: 'alice', globalName: null } });
    expect(buildInbound(noGlobal, ctx)).toMatchObject({ message: { senderName: 'alice' } });
  });

  it('addresses a thread by its parent channel and the thread id', () => {
    expect(buildInbound(facts({ threadParentId: '200000000000000009' }), ctx)).toMatchObject({
      message: { platformId: '200000000000000009', threadId: '200000000000000001' },
    });
  });

  it('is a mention only by the platform: parsed mention, reply to the bot, or a DM', () => {
    const mention = (over: Partial<DiscordMessageFacts>) =>
      (buildInbound(facts(over), ctx) as { message: { isMention: boolean } }).message.isMention;
    expect(mention({ content: `<@${BOT}> text only` })).toBe(false);
    expect(mention({ mentionsBot: true })).toBe(true);
    expect(mention({ repliesToBot: true })).toBe(true);
    expect(mention({ guildId: null })).toBe(true);
    expect(buildInbound(facts({ guildId: null }), ctx)).toMatchObject({ message: { isGroup: false } });
  });

  it('drops its own, bots’, webhooks’, system and empty messages', () => {
    const author = { id: BOT, bot: true, username: 'me', globalName: null };
    expect(buildInbound(facts({ author }), ctx)).toEqual({ dropped: 'own message' });
    expect(buildInbound(facts({ author: { ...author, id: '5' } }), ctx)).toEqual({
      dropped: 'bot or webhook author',
    });
    expect(buildInbound(facts({ webhookId: '6' }), ctx)).toEqual({ dropped: 'bot or webhook author' });
    expect(buildInbound(facts({ type: 7 }), ctx)).toEqual({ dropped: 'system message type 7' });
    expect(buildInbound(facts({ content: '' }), ctx)).toEqual({ dropped: 'empty message' });
    expect(buildInbound(facts({ author: null }), ctx)).toEqual({ dropped: 'no author' });
  });

  it('gives an edit its own id from the edit time and points at the original', () => {
    const editedAt = Date.UTC(2025, 0, 2);
    expect(buildInbound(facts({ editedAt }), { ...ctx, edit: true })).toMatchObject({
      message: {
        messageId: `100000000000000001~${editedAt}`,
        editOf: '100000000000000001',
        timestamp: new Date(editedAt).toISOString(),
      },
    });
    expect(buildInbound(facts(), { ...ctx, edit: true })).toEqual({ dropped: 'update without an edit' });
  });
});
