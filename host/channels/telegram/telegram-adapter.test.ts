import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../../../test/fakes/telegram/fake-telegram.js';
import { ALICE, BOB, click, message } from '../../../test/fakes/telegram/updates.js';
import type { ClickOutcome, InboundMessage, InboundSink, QuestionClick } from '../adapter.js';
import { channelInstances } from '../channel-instance.js';
import { TelegramAdapter } from './telegram-adapter.js';

const TOKEN = '100:fake-token';
const log = pino({ level: 'silent' });
const tuning = { pollTimeoutSeconds: 2, backoff: { initial: 50, max: 200 } };

class Sink implements InboundSink {
  messages: InboundMessage[] = [];
  clicks: QuestionClick[] = [];
  failNext = 0;
  clickOutcome: ClickOutcome = 'answered';
  onMessage(m: InboundMessage) {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('db is busy'));
    }
    this.messages.push(m);
    return Promise.resolve({ delivered: 1, dropped: null });
  }
  onAction(c: QuestionClick) {
    this.clicks.push(c);
    return Promise.resolve(this.clickOutcome);
  }
}

let fake: FakeTelegram;
let sink: Sink;
const adapters: TelegramAdapter[] = [];

function adapter(env: Record<string, string> = {}): TelegramAdapter {
  const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot, ...env });
  const a = new TelegramAdapter(instance!, log, tuning);
  adapters.push(a);
  return a;
}

async function until<T>(check: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  fake = await FakeTelegram.start([{ token: TOKEN, id: 100, username: 'nano_bot' }]);
  sink = new Sink();
});

afterEach(async () => {
  for (const a of adapters.splice(0)) await a.stop();
  await fake.close();
});

const dm = { channelType: 'telegram', platformId: String(ALICE.id), threadId: null };

describe('telegram adapter: polling', () => {
  it('routes a DM and confirms its update only after the sink accepted it', async () => {
    const a = adapter();
    await a.start(sink);
    fake.inject(TOKEN, { message: message({ text: 'hello' }) });
    await until(() => sink.messages.length === 1, 'the message');
    expect(sink.messages[0]).toMatchObject({
      platformId: '111',
      senderHandle: '111',
      text: 'hello',
      isMention: true,
    });
    await until(() => fake.pending(TOKEN).length === 0, 'the offset to move on');
  });

  it('gets an update again, with the same message id, when the sink failed', async () => {
    const a = adapter();
    await a.start(sink);
    sink.failNext = 1;
    fake.inject(TOKEN, { message: message({ text: 'retry me', messageId: 77 }) });
    await until(() => sink.messages.length === 1, 'the redelivered message');
    expect(sink.messages[0]!.messageId).toBe('77');
    expect(fake.callsOf('getUpdates').filter((c) => c.params.offset === undefined).length).toBeGreaterThan(1);
  });

  it('drops malformed updates and keeps going', async () => {
    const a = adapter();
    await a.start(sink);
    fake.inject(TOKEN, { message: { chat: 'not a chat' } });
    fake.inject(TOKEN, { message: message({ text: 'after' }) });
    await until(() => sink.messages.length === 1, 'the good message');
    expect(sink.messages[0]!.text).toBe('after');
    await until(() => fake.pending(TOKEN).length === 0, 'both confirmed');
  });

  it('survives a dropped connection, a malformed response and a 409 conflict', async () => {
    fake.failNext('getUpdates', { kind: 'drop' });
    fake.failNext('getUpdates', { kind: 'raw', body: '{"ok":tr' });
    fake.failNext('getUpdates', {
      kind: 'error',
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request',
    });
    const a = adapter();
    await a.start(sink);
    fake.inject(TOKEN, { message: message({ text: 'still here' }) });
    await until(() => sink.messages.length === 1, 'the message after the failures');
  });

  it('polls once per token: a second start is a no-op, another channel on the token is refused', async () => {
    const a = adapter();
    await a.start(sink);
    await a.start(sink);
    const [two] = channelInstances({ TELEGRAM_BOT_TOKEN_TWO: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    const other = new TelegramAdapter(two!, log, tuning);
    await expect(other.start(sink)).rejects.toThrow(
      /TELEGRAM_BOT_TOKEN_TWO: this bot token is already polled/,
    );
    fake.inject(TOKEN, { message: message({ text: 'once' }) });
    await until(() => sink.messages.length === 1, 'the message');
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages).toHaveLength(1);
    expect(fake.polls(TOKEN).max).toBe(1);
  });

  it('stop() ends the pending long poll and confirms the offset', async () => {
    const a = adapter();
    await a.start(sink);
    fake.inject(TOKEN, { message: message({ text: 'one' }) });
    await until(() => sink.messages.length === 1, 'the message');
    await until(() => fake.polls(TOKEN).active === 1, 'a held poll');
    await a.stop();
    await until(() => fake.polls(TOKEN).active === 0, 'the held poll to end');
    expect(fake.pending(TOKEN)).toEqual([]);
    const calls = fake.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls.length).toBe(calls);
  });

  it('fails start with the env key when Telegram refuses the token', async () => {
    const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: '5:wrong', TELEGRAM_API_ROOT: fake.apiRoot });
    const a = new TelegramAdapter(instance!, log, tuning);
    await expect(a.start(sink)).rejects.toThrow(
      'TELEGRAM_BOT_TOKEN: Telegram refused the token (401: Unauthorized)',
    );
    expect(await a.verify()).toEqual({ state: 'failing', error: '401: Unauthorized' });
  });
});

describe('telegram adapter: sending', () => {
  it('splits a long Markdown message into valid HTML messages, in the thread, the first quoting the question', async () => {
    const a = adapter();
    const text = Array.from(
      { length: 120 },
      (_, i) => `**Point ${i}** uses <tags> & "quotes" ${'x'.repeat(40)}`,
    ).join('\n\n');
    const to = { channelType: 'telegram', platformId: '-100123', threadId: '42' };
    const res = await a.send(to, { text, inReplyTo: '9' });
    const sent = fake.callsOf('sendMessage');
    expect(sent.length).toBeGreaterThan(1);
    expect(res.platformMessageId).toBe(String(fake.messages[0]!.message_id));
    for (const c of sent) {
      expect(c.params).toMatchObject({ chat_id: '-100123', parse_mode: 'HTML', message_thread_id: 42 });
      expect(String(c.params.text).length).toBeLessThanOrEqual(4096);
    }
    expect(sent[0]!.params.reply_parameters).toEqual({ message_id: 9, allow_sending_without_reply: true });
    expect(sent[1]!.params.reply_parameters).toBeUndefined();
    expect(fake.messages.map((m) => m.text).join('\n\n')).toContain('Point 0 uses <tags> & "quotes"');
  });

  it('waits out a 429 and sends', async () => {
    fake.failNext('sendMessage', {
      kind: 'error',
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    const started = Date.now();
    await adapter().send(dm, { text: 'patience' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.messages.map((m) => m.text)).toEqual(['patience']);
  });

  it('throws when Telegram refuses, with its description', async () => {
    fake.failNext('sendMessage', {
      kind: 'error',
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    await expect(adapter().send(dm, { text: 'x' })).rejects.toThrow(
      /403: Forbidden: bot was blocked by the user/,
    );
  });

  it('uploads files as documents', async () => {
    await adapter().send(dm, {
      text: 'report attached',
      files: [{ name: 'report.csv', data: Buffer.from('a,b\n1,2\n') }],
    });
    const doc = fake.messages.find((m) => m.document)!.document!;
    expect(doc.filename).toBe('report.csv');
    expect(doc.data.toString()).toBe('a,b\n1,2\n');
  });

  it('edits, reacts and shows typing; refuses a reaction Telegram does not have', async () => {
    const a = adapter();
    const { platformMessageId } = await a.send(dm, { text: 'draft' });
    await a.edit(dm, platformMessageId!, 'final **text**');
    expect(fake.messages[0]).toMatchObject({ text: 'final text', html: 'final <b>text</b>' });
    await a.edit(dm, platformMessageId!, 'final **text**');
    await a.react(dm, '5', '👍');
    expect(fake.callsOf('setMessageReaction')[0]!.params).toMatchObject({
      chat_id: '111',
      message_id: 5,
      reaction: [{ type: 'emoji', emoji: '👍' }],
    });
    await expect(a.react(dm, '5', '🦀')).rejects.toThrow(/does not allow "🦀"/);
    await a.setTyping({ ...dm, platformId: '-100', threadId: '7' });
    expect(fake.callsOf('sendChatAction')[0]!.params).toEqual({
      chat_id: '-100',
      action: 'typing',
      message_thread_id: 7,
    });
    await expect(a.edit(dm, '424242', 'x')).rejects.toThrow(/message to edit not found/);
  });

  it('reports the bot as reachable by its username', async () => {
    expect(await adapter().verify()).toEqual({ state: 'reachable', detail: '@nano_bot' });
  });
});

describe('telegram adapter: cards and attachments', () => {
  const card = {
    questionId: 'q-1',
    title: 'Ship?',
    question: 'Ship it?',
    options: [
      { label: 'Yes', value: 'yes' },
      { label: 'No', value: 'no' },
    ],
  };

  it('sends a card as an inline keyboard and passes a click on with the clicker id', async () => {
    const a = adapter();
    await a.start(sink);
    await a.send(dm, { text: 'Ship it?', question: card });
    expect(fake.messages[0]!.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: 'Yes', callback_data: 'q:q-1:0' }],
        [{ text: 'No', callback_data: 'q:q-1:1' }],
      ],
    });
    fake.inject(TOKEN, click(ALICE, 'q:q-1:1', 'cq-a'));
    await until(() => fake.callsOf('answerCallbackQuery').length === 1, 'the callback answer');
    expect(sink.clicks).toEqual([
      {
        channelType: 'telegram',
        questionId: 'q-1',
        choice: { index: 1 },
        senderHandle: '111',
        senderName: 'Alice A',
      },
    ]);
    expect(fake.callsOf('answerCallbackQuery')[0]!.params).toEqual({ callback_query_id: 'cq-a' });
    sink.clickOutcome = 'not_yours';
    fake.inject(TOKEN, click(BOB, 'q:q-1:0', 'cq-b'));
    fake.inject(TOKEN, click(BOB, 'not-a-card', 'cq-c'));
    await until(() => fake.callsOf('answerCallbackQuery').length === 3, 'both answers');
    expect(
      fake
        .callsOf('answerCallbackQuery')
        .slice(1)
        .map((c) => c.params.text),
    ).toEqual(['This question is for someone else.', 'This question is already answered or closed.']);
    expect(sink.clicks).toHaveLength(2);
  });

  it('downloads an attachment only when asked, and refuses one over the cap', async () => {
    fake.addFile('doc-1', 'documents/file_1.pdf', Buffer.from('%PDF-1.4 tiny'));
    const a = adapter();
    await a.start(sink);
    fake.inject(TOKEN, {
      message: message({
        extra: {
          caption: 'see',
          document: {
            file_id: 'doc-1',
            file_unique_id: 'u',
            file_name: 'a.pdf',
            mime_type: 'application/pdf',
          },
        },
      }),
    });
    await until(() => sink.messages.length === 1, 'the message');
    expect(fake.callsOf('getFile')).toHaveLength(0);
    const att = sink.messages[0]!.attachments![0]!;
    expect(att).toMatchObject({ name: 'a.pdf', mimeType: 'application/pdf', size: null });
    expect((await att.download(1000)).toString()).toBe('%PDF-1.4 tiny');
    await expect(att.download(5)).rejects.toThrow(/over the 5-byte limit/);
  });
});

describe('telegram adapter: webhook mode', () => {
  it('sets the webhook with its secret, routes a signed update, and refuses a wrong secret with 401', async () => {
    const server = http.createServer((req, res) => void a.handleWebhook(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/telegram`;
    const a = adapter({ TELEGRAM_WEBHOOK_URL: url, TELEGRAM_WEBHOOK_SECRET: 'hook-secret' });
    try {
      await a.start(sink);
      expect(fake.webhook(TOKEN)).toEqual({ url, secret: 'hook-secret' });
      expect(fake.callsOf('getUpdates')).toHaveLength(0);
      expect(await fake.pushWebhook(TOKEN, { message: message({ text: 'forged' }) }, 'wrong')).toBe(401);
      expect(sink.messages).toEqual([]);
      sink.failNext = 1;
      expect(await fake.pushWebhook(TOKEN, { message: message({ text: 'pushed', messageId: 5 }) })).toBe(500);
      expect(await fake.pushWebhook(TOKEN, { message: message({ text: 'pushed', messageId: 5 }) })).toBe(200);
      expect(sink.messages.map((m) => [m.text, m.messageId])).toEqual([['pushed', '5']]);
      const bad = await fetch(url, {
        method: 'POST',
        headers: { 'x-telegram-bot-api-secret-token': 'hook-secret' },
        body: '{nope',
      });
      expect(bad.status).toBe(400);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
