/**
 * The Telegram channel end to end: the real host (in-process, and as the `nanoclaw host` process configured from
 * TELEGRAM_* env) with the mock agent, talking through grammY to the fake Bot API in test/fakes/telegram.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { ensureUserDm } from '../../host/access/user-dm.js';
import { MapChannelRegistry } from '../../host/channels/adapter.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { TelegramAdapter } from '../../host/channels/telegram/telegram-adapter.js';
import { loadConfig } from '../../host/config.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { startHost, type RunningHost } from '../../host/host.js';
import { dataLayout, sessionPaths } from '../../host/session/layout.js';
import { FakeTelegram, type SentMessage } from '../fakes/telegram/fake-telegram.js';
import { freePort } from '../fixtures/kube/processes.js';
import { ALICE, BOB, click, mentionOf, message } from '../fakes/telegram/updates.js';
import { startHostProcess, tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '4242:integration-token';
const GROUP = -100123;
const FORUM = -100777;
const FANOUT = -100888;
const log = pino({ level: 'silent' });
const group = { id: GROUP, type: 'supergroup' as const };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alice's DM, a mention-engaged group, a forum with one session per topic; Alice is the owner. */
function seed(db: CentralDb): void {
  upsertAgentGroup(db, { id: 'assistant', name: 'assistant', folder: 'assistant', provider: 'mock' });
  const chats = [
    { platformId: String(ALICE.id), isGroup: false, wiring: { engageMode: 'pattern', engagePattern: '.' } },
    { platformId: String(GROUP), isGroup: true, wiring: { engageMode: 'mention' } },
    {
      platformId: String(FORUM),
      isGroup: true,
      wiring: { engageMode: 'pattern', engagePattern: '.', sessionMode: 'per-thread' },
    },
  ] as const;
  for (const c of chats) {
    const mg = upsertMessagingGroup(db, {
      channelType: 'telegram',
      platformId: c.platformId,
      name: c.platformId,
      isGroup: c.isGroup,
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'assistant', ...c.wiring });
  }
  grantRole(db, { userId: `telegram:${ALICE.id}`, role: 'owner', displayName: 'Alice A' });
  // One chat wired to two agent groups: every message fans out to both.
  upsertAgentGroup(db, { id: 'reviewer', name: 'reviewer', folder: 'reviewer', provider: 'mock' });
  const both = upsertMessagingGroup(db, {
    channelType: 'telegram',
    platformId: String(FANOUT),
    name: 'both',
    isGroup: true,
    unknownSenderPolicy: 'strict',
  });
  for (const agentGroupId of ['assistant', 'reviewer'])
    upsertWiring(db, { messagingGroupId: both.id, agentGroupId, engageMode: 'pattern', engagePattern: '.' });
}

function repliesIn(fake: FakeTelegram, chat: number | string): SentMessage[] {
  return fake.messages.filter((m) => m.chat_id === String(chat));
}

function reply(fake: FakeTelegram, chat: number | string, text: string, timeoutMs = 20_000) {
  return fake.waitFor(
    () => repliesIn(fake, chat).find((m) => m.text.includes(text)),
    `a reply containing "${text.slice(0, 60)}" in ${chat}`,
    timeoutMs,
  );
}

/** The host's row id of an inbound message (what agents use as a message id). */
function rowId(platformId: string, messageId: string): string {
  const h = createHash('sha256').update(`telegram\0${platformId}\0${messageId}`).digest('hex');
  return `m-${h.slice(0, 24)}`;
}

describe('telegram channel through the in-process host', () => {
  let fake: FakeTelegram;
  let host: RunningHost;
  let adapter: TelegramAdapter;
  let dataDir: string;

  beforeAll(async () => {
    fake = await FakeTelegram.start([{ token: TOKEN, id: 4242, username: 'nano_bot' }]);
    dataDir = tempDir('nc-tg-');
    withDb(dataDir, seed);
    const env = {
      NANOCLAW_DATA_DIR: dataDir,
      NANOCLAW_PORT: '0',
      NANOCLAW_RUNNER_POLL_MS: '250',
      NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
    };
    const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    adapter = new TelegramAdapter(instance!, log, {
      pollTimeoutSeconds: 2,
      backoff: { initial: 50, max: 500 },
    });
    host = await startHost({ config: loadConfig(env), log, channels: [adapter] });
  });

  afterAll(async () => {
    await host?.close();
    await fake?.close();
  });

  it('answers a DM through the agent, showing typing meanwhile', async () => {
    fake.inject(TOKEN, { message: message({ text: 'hello agent' }) });
    await reply(fake, ALICE.id, 'Mock response to: hello agent');
    expect(fake.callsOf('sendChatAction').some((c) => c.params.chat_id === String(ALICE.id))).toBe(true);
  });

  it('fans a message out to every agent wired to the chat, each answering once', async () => {
    fake.inject(TOKEN, {
      message: message({ chat: { id: FANOUT, type: 'supergroup' }, text: 'for both of you' }),
    });
    await fake.waitFor(
      () =>
        repliesIn(fake, FANOUT).filter((m) => m.text.includes('Mock response to: for both of you')).length ===
        2,
      'two replies in the fan-out chat',
      20_000,
    );
  });

  it('engages in a group only on a mention entity of the bot', async () => {
    fake.inject(TOKEN, { message: message({ chat: group, text: 'talking among ourselves' }) });
    fake.inject(TOKEN, {
      message: message({ chat: group, text: '@nano_bot what time is it', entities: [mentionOf('nano_bot')] }),
    });
    await reply(fake, GROUP, 'Mock response to: @nano_bot what time is it');
    expect(repliesIn(fake, GROUP).some((m) => m.text.includes('ourselves'))).toBe(false);
  });

  it('replies inside the forum topic the message came from', async () => {
    fake.inject(TOKEN, {
      message: message({ chat: { id: FORUM, type: 'supergroup' }, text: 'in topic', thread: 42 }),
    });
    const r = await reply(fake, FORUM, 'Mock response to: in topic');
    expect(r.message_thread_id).toBe(42);
  });

  it('drops an unknown sender in a strict chat, even with a mention', async () => {
    fake.inject(TOKEN, {
      message: message({
        chat: group,
        from: BOB,
        text: '@nano_bot let me in',
        entities: [mentionOf('nano_bot')],
      }),
    });
    fake.inject(TOKEN, {
      message: message({ chat: group, text: '@nano_bot after bob', entities: [mentionOf('nano_bot')] }),
    });
    await reply(fake, GROUP, 'Mock response to: @nano_bot after bob');
    expect(repliesIn(fake, GROUP).some((m) => m.text.includes('let me in'))).toBe(false);
  });

  it('splits a long reply at 4096 characters and escapes the Markdown as HTML', async () => {
    const long = `<b>not a tag</b> & **bold** ${'word '.repeat(1200)}end-marker`;
    const before = repliesIn(fake, ALICE.id).length;
    fake.inject(TOKEN, { message: message({ text: long }) });
    await reply(fake, ALICE.id, 'end-marker');
    const parts = repliesIn(fake, ALICE.id).slice(before);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.html!.length).toBeLessThanOrEqual(4096);
    expect(parts[0]!.html).toContain('&lt;b&gt;not a tag&lt;/b&gt; &amp; <b>bold</b>');
    expect(parts[0]!.text).toContain('<b>not a tag</b> & bold');
  });

  it('a long reply whose second chunk is refused is sent again from that chunk, the first shown once', async () => {
    const long = `first-chunk-marker ${'word '.repeat(1200)}last-chunk-marker`;
    const before = repliesIn(fake, ALICE.id).length;
    fake.failNext('sendMessage', { kind: 'pass' });
    fake.failNext('sendMessage', { kind: 'error', error_code: 502, description: 'Bad Gateway' });
    fake.inject(TOKEN, { message: message({ text: long }) });
    await reply(fake, ALICE.id, 'last-chunk-marker');
    const parts = repliesIn(fake, ALICE.id).slice(before);
    expect(parts.filter((m) => m.text.includes('first-chunk-marker'))).toHaveLength(1);
    expect(parts.filter((m) => m.text.includes('last-chunk-marker'))).toHaveLength(1);
    expect(parts.length).toBeGreaterThan(1);
  });

  it('writes a redelivered message once, and an edit as a new message', async () => {
    const original = message({ text: 'only once please', messageId: 5000 });
    fake.inject(TOKEN, { message: original });
    fake.inject(TOKEN, { message: original });
    await reply(fake, ALICE.id, 'Mock response to: only once please');
    fake.inject(TOKEN, { edited_message: { ...original, text: 'edited text', edit_date: 1_700_000_100 } });
    await reply(fake, ALICE.id, 'Mock response to: edited text');
    expect(repliesIn(fake, ALICE.id).filter((m) => m.text.includes('only once please'))).toHaveLength(1);
  });

  it('question card: the wrong user is told so, the asked user answers', async () => {
    const args = {
      title: 'Deploy',
      question: 'Ship it?',
      options: [{ label: 'Yes', value: 'yes' }],
      timeoutSeconds: 30,
    };
    fake.inject(TOKEN, {
      message: message({
        chat: group,
        text: `@nano_bot deploy [[tool:ask_user_question ${JSON.stringify(args)}]]`,
        entities: [mentionOf('nano_bot')],
      }),
    });
    const card = await fake.waitFor(
      () => repliesIn(fake, GROUP).find((m) => m.reply_markup),
      'the card',
      20_000,
    );
    const button = (card.reply_markup as { inline_keyboard: { callback_data: string }[][] })
      .inline_keyboard[0]![0]!;
    fake.inject(TOKEN, click(BOB, button.callback_data, 'cq-bob'));
    const bob = await fake.waitFor(
      () => fake.callsOf('answerCallbackQuery').find((c) => c.params.callback_query_id === 'cq-bob'),
      "Bob's answer",
    );
    expect(bob.params.text).toBe('This question is for someone else.');
    fake.inject(TOKEN, click(ALICE, button.callback_data, 'cq-alice'));
    await reply(fake, GROUP, '[tool ask_user_question] yes');
    const alice = fake.callsOf('answerCallbackQuery').find((c) => c.params.callback_query_id === 'cq-alice')!;
    expect(alice.params.text).toBeUndefined();
  });

  it('saves an inbound document into the session inbox', async () => {
    fake.addFile('doc-in-1', 'documents/file_9.txt', Buffer.from('quarterly numbers'));
    fake.inject(TOKEN, {
      message: message({
        extra: {
          caption: 'see attached',
          document: {
            file_id: 'doc-in-1',
            file_unique_id: 'u9',
            file_name: 'numbers.txt',
            mime_type: 'text/plain',
            file_size: 17,
          },
        },
      }),
    });
    await reply(fake, ALICE.id, 'see attached');
    const found = fs
      .readdirSync(dataLayout(dataDir).sessionsDir, { recursive: true, encoding: 'utf8' })
      .find((p) => p.endsWith(path.join('inbox', path.basename(path.dirname(p)), 'numbers.txt')));
    expect(found).toBeDefined();
    expect(fs.readFileSync(path.join(dataLayout(dataDir).sessionsDir, found!), 'utf8')).toBe(
      'quarterly numbers',
    );
  });

  it('reacts to a message and uploads a file from the outbox', async () => {
    const session = host.db.first(
      host.db.q
        .selectFrom('sessions')
        .innerJoin('messaging_groups', 'messaging_groups.id', 'sessions.messaging_group_id')
        .select('sessions.id')
        .where('messaging_groups.platform_id', '=', String(ALICE.id)),
    )!;
    const outbox = sessionPaths(dataLayout(dataDir), 'assistant', session.id).outbox;
    fs.writeFileSync(path.join(outbox, 'report.csv'), 'a,b\n1,2\n');
    const tools = `[[tool:add_reaction {"messageId":"${rowId(String(ALICE.id), '6001')}","emoji":"👍"}]] [[tool:send_file {"path":"report.csv"}]]`;
    fake.inject(TOKEN, { message: message({ text: `react and send ${tools}`, messageId: 6001 }) });
    await fake.waitFor(
      () => fake.callsOf('setMessageReaction').find((c) => c.params.message_id === 6001),
      'the reaction',
      20_000,
    );
    const doc = await fake.waitFor(
      () => fake.messages.find((m) => m.document?.filename === 'report.csv'),
      'the document',
      20_000,
    );
    expect(doc.document!.data.toString()).toBe('a,b\n1,2\n');
    expect(
      fake.callsOf('setMessageReaction').find((c) => c.params.message_id === 6001)!.params.reaction,
    ).toEqual([{ type: 'emoji', emoji: '👍' }]);
  });

  it('edits a message the agent sent, by its Telegram message id', async () => {
    fake.inject(TOKEN, {
      message: message({ text: 'draft [[tool:send_message {"text":"progress: 10%"}]]' }),
    });
    const ack = await reply(fake, ALICE.id, '[tool send_message] Message sent');
    const outId = /\(id ([\w-]+)\)/.exec(ack.text)![1]!;
    const progress = repliesIn(fake, ALICE.id).find((m) => m.text === 'progress: 10%')!;
    const edit = `[[tool:edit_message {"messageId":"${outId}","text":"progress: **done**"}]]`;
    fake.inject(TOKEN, { message: message({ text: `finish ${edit}` }) });
    await fake.waitFor(() => progress.html === 'progress: <b>done</b>', 'the edited message', 20_000);
    expect(fake.callsOf('editMessageText').at(-1)!.params).toMatchObject({
      chat_id: String(ALICE.id),
      message_id: progress.message_id,
      parse_mode: 'HTML',
    });
  });

  it('opens a DM to a known user without a platform call, then from the cache', async () => {
    grantRole(host.db, { userId: 'telegram:333', role: 'admin', displayName: 'Carol' });
    const registry = new MapChannelRegistry([adapter]);
    const first = await ensureUserDm(host.db, registry, 'telegram:333');
    expect(first).toMatchObject({ channel_type: 'telegram', platform_id: '333' });
    const again = await ensureUserDm(host.db, registry, 'telegram:333');
    expect(again!.id).toBe(first!.id);
  });

  it('waits out a 429 on sending and still delivers', async () => {
    fake.failNext('sendMessage', {
      kind: 'error',
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    fake.inject(TOKEN, { message: message({ text: 'rate limited reply' }) });
    await reply(fake, ALICE.id, 'Mock response to: rate limited reply');
  });

  it('keeps polling after a dropped connection and a malformed update', async () => {
    fake.failNext('getUpdates', { kind: 'drop' });
    await sleep(2500); // let the held poll end so the next one hits the drop
    fake.inject(TOKEN, { message: { chat: 'broken' } });
    fake.inject(TOKEN, { message: message({ text: 'after the drop' }) });
    await reply(fake, ALICE.id, 'Mock response to: after the drop');
  });
});

describe('telegram channel through the host process (env configuration)', () => {
  it('polls with TELEGRAM_BOT_TOKEN + TELEGRAM_API_ROOT, answers, and confirms the offset on SIGTERM', async () => {
    const fake = await FakeTelegram.start([{ token: TOKEN, id: 4242, username: 'nano_bot' }]);
    const dataDir = tempDir('nc-tgp-');
    withDb(dataDir, seed);
    const host = await startHostProcess({
      dataDir,
      env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot },
    });
    try {
      fake.inject(TOKEN, { message: message({ text: 'from the process' }) });
      await reply(fake, ALICE.id, 'Mock response to: from the process');
      expect(host.output.join('\n')).not.toContain(TOKEN);
      expect(await host.stop()).toBe(0);
      expect(fake.pending(TOKEN)).toEqual([]);
      expect(fake.polls(TOKEN).max).toBe(1);
    } finally {
      await host.kill();
      await fake.close();
    }
  });

  it('webhook mode: a wrong secret is 401 and routes nothing; the right one is answered', async () => {
    const fake = await FakeTelegram.start([{ token: TOKEN, id: 4242, username: 'nano_bot' }]);
    const dataDir = tempDir('nc-tgw-');
    withDb(dataDir, seed);
    const port = await freePort();
    const host = await startHostProcess({
      dataDir,
      env: {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/webhooks/telegram`,
        TELEGRAM_WEBHOOK_SECRET: 'webhook-secret-1',
        NANOCLAW_WEBHOOK_PORT: String(port),
      },
    });
    try {
      await fake.waitFor(() => fake.webhook(TOKEN), 'setWebhook');
      expect(fake.webhook(TOKEN)!.secret).toBe('webhook-secret-1');
      expect(await fake.pushWebhook(TOKEN, { message: message({ text: 'forged' }) }, 'not-the-secret')).toBe(
        401,
      );
      expect(await fake.pushWebhook(TOKEN, { message: message({ text: 'pushed in' }) })).toBe(200);
      await reply(fake, ALICE.id, 'Mock response to: pushed in');
      await sleep(500);
      expect(repliesIn(fake, ALICE.id).some((m) => m.text.includes('forged'))).toBe(false);
      expect(fake.callsOf('getUpdates')).toHaveLength(0);
      expect(await host.stop()).toBe(0);
    } finally {
      await host.kill();
      await fake.close();
    }
  });
});
