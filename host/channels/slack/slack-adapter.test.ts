/** The Slack adapter through the real Bolt / Web API / Socket Mode SDKs against the fake Slack (test/fakes/slack). */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, signedPost } from '../../../test/fakes/slack/fake-slack.js';
import {
  MapChannelRegistry,
  type ClickOutcome,
  type InboundMessage,
  type InboundSink,
  type QuestionClick,
} from '../adapter.js';
import { channelInstances } from '../channel-instance.js';
import { createWebhookServer } from '../webhook-server.js';
import { createSlackAdapter, type SlackAdapter } from './slack-adapter.js';

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });

class TestSink implements InboundSink {
  messages: InboundMessage[] = [];
  clicks: QuestionClick[] = [];
  failNext = 0;
  outcome: ClickOutcome = 'answered';
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
    return Promise.resolve(this.outcome);
  }
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let fake: FakeSlack;
let adapter: SlackAdapter;
let sink: TestSink;
const chat = { channelType: 'slack', platformId: 'C0CHAT', threadId: null };

beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.addUser('U0ALICE', 'alice');
  fake.addUser('U0BOB', 'bob');
  const [instance] = channelInstances({
    SLACK_BOT_TOKEN: fake.id.botToken,
    SLACK_APP_TOKEN: fake.id.appToken,
    SLACK_API_URL: fake.apiUrl,
  });
  adapter = createSlackAdapter(instance!, log);
  sink = new TestSink();
  await adapter.start(sink);
});

afterAll(async () => {
  await adapter?.stop();
  await fake?.close();
});

afterEach(() => {
  sink.failNext = 0;
  sink.outcome = 'answered';
});

describe('slack adapter: Socket Mode inbound', () => {
  it('routes a channel message with the workspace user, display name and no mention, then acks', async () => {
    const event = fake.message({ channel: 'C0CHAT', user: 'U0ALICE', text: 'hello &amp; welcome' });
    const d = fake.socket.sendEvent(fake.eventCallback(event));
    expect(await d.acked).toBe(true);
    expect(sink.messages.at(-1)).toMatchObject({
      channelType: 'slack',
      platformId: 'C0CHAT',
      messageId: event.ts,
      senderHandle: 'TFAKE01:U0ALICE',
      senderName: 'alice',
      text: 'hello & welcome',
      isMention: false,
      isGroup: true,
    });
  });

  it('marks a rich_text mention of the bot and a DM as mentions', async () => {
    const mention = fake.message({
      channel: 'C0CHAT',
      user: 'U0ALICE',
      text: '<@UBOT0001> hi',
      blocks: fake.mentionBlocks('hi'),
    });
    expect(await fake.socket.sendEvent(fake.eventCallback(mention)).acked).toBe(true);
    expect(sink.messages.at(-1)).toMatchObject({ messageId: mention.ts, isMention: true });
    const dm = fake.message({ channel: 'D0ALICE', user: 'U0ALICE', text: 'psst' });
    expect(await fake.socket.sendEvent(fake.eventCallback(dm)).acked).toBe(true);
    expect(sink.messages.at(-1)).toMatchObject({ messageId: dm.ts, isMention: true, isGroup: false });
  });

  it("acks but never routes the bot's own, other bots' and housekeeping messages", async () => {
    const before = sink.messages.length;
    for (const event of [
      fake.message({ channel: 'C0CHAT', user: 'UBOT0001', text: 'me' }),
      fake.message({ channel: 'C0CHAT', user: 'U0OTHER', bot_id: 'B0OTHER', text: 'a bot' }),
      fake.message({ channel: 'C0CHAT', user: 'U0ALICE', subtype: 'channel_join', text: 'joined' }),
    ])
      expect(await fake.socket.sendEvent(fake.eventCallback(event)).acked).toBe(true);
    expect(sink.messages.length).toBe(before);
  });

  it('withholds the ack while the sink fails, and the redelivery is routed with the same id', async () => {
    sink.failNext = 1;
    const event = fake.message({ channel: 'C0CHAT', user: 'U0BOB', text: 'try again' });
    const payload = fake.eventCallback(event);
    expect(await fake.socket.sendEvent(payload, { timeoutMs: 1500 }).acked).toBe(false);
    expect(await fake.socket.sendEvent(payload, { retryAttempt: 1 }).acked).toBe(true);
    expect(sink.messages.filter((m) => m.messageId === event.ts)).toHaveLength(1);
  });

  it('survives malformed frames and payloads and keeps routing', async () => {
    fake.socket.sendRaw('not json');
    fake.socket.sendRaw(
      JSON.stringify({ type: 'events_api', envelope_id: 'e-weird', payload: { nonsense: true } }),
    );
    expect(await fake.socket.sendEvent(fake.eventCallback({ type: 'message', channel: 42 })).acked).toBe(
      true,
    );
    const ok = fake.message({ channel: 'C0CHAT', user: 'U0BOB', text: 'still here' });
    expect(await fake.socket.sendEvent(fake.eventCallback(ok)).acked).toBe(true);
    expect(sink.messages.at(-1)?.messageId).toBe(ok.ts);
  });

  it('reconnects after a disconnect message and after a dropped socket', async () => {
    const before = fake.socket.connections;
    fake.socket.sendDisconnect('refresh_requested');
    await fake.socket.waitForConnections(before + 1, 20_000);
    fake.socket.dropSocket();
    await fake.socket.waitForConnections(before + 2, 20_000);
    const event = fake.message({ channel: 'C0CHAT', user: 'U0ALICE', text: 'after reconnect' });
    expect(await fake.socket.sendEvent(fake.eventCallback(event)).acked).toBe(true);
    expect(sink.messages.filter((m) => m.messageId === event.ts)).toHaveLength(1);
  }, 45_000);

  it('gives inbound files as attachments that download with the bot token and refuse oversize', async () => {
    const file = fake.hostFile('notes.txt', Buffer.from('file body'), 'text/plain');
    const event = fake.message({
      channel: 'C0CHAT',
      user: 'U0ALICE',
      text: 'see file',
      subtype: 'file_share',
      files: [file],
    });
    expect(await fake.socket.sendEvent(fake.eventCallback(event)).acked).toBe(true);
    const [att] = sink.messages.at(-1)!.attachments!;
    expect(att).toMatchObject({ name: 'notes.txt', mimeType: 'text/plain', size: 9 });
    expect((await att!.download(1024)).toString()).toBe('file body');
    await expect(att!.download(4)).rejects.toThrow(/over the 4-byte limit/);
  });

  it('calls onAction with the clicker and tells a wrong clicker ephemerally', async () => {
    const { platformMessageId } = await adapter.send(chat, {
      text: 'Pick one',
      question: {
        questionId: 'q1',
        title: 'Choose',
        question: 'Pick one',
        options: [{ label: 'A', value: 'a' }],
      },
    });
    sink.outcome = 'not_yours';
    const click = fake.blockAction({
      user: 'U0BOB',
      channel: 'C0CHAT',
      messageTs: platformMessageId!,
      actionId: 'q:q1:0',
      value: 'a',
    });
    expect(await fake.socket.sendInteractive(click).acked).toBe(true);
    expect(sink.clicks.at(-1)).toEqual({
      channelType: 'slack',
      questionId: 'q1',
      choice: { value: 'a' },
      senderHandle: 'TFAKE01:U0BOB',
      senderName: 'bob',
    });
    expect(fake.api.ephemerals.at(-1)).toMatchObject({ channel: 'C0CHAT', user: 'U0BOB' });
    sink.outcome = 'answered';
    const right = fake.blockAction({
      user: 'U0ALICE',
      channel: 'C0CHAT',
      messageTs: platformMessageId!,
      actionId: 'q:q1:0',
      value: 'a',
      label: 'A',
    });
    expect(await fake.socket.sendInteractive(right).acked).toBe(true);
    const update = await until('the card update', () =>
      fake.api.updates.find((u) => u.ts === platformMessageId),
    );
    expect(JSON.stringify(update.blocks)).toContain('answered by <@U0ALICE>');
    expect(JSON.stringify(update.blocks)).not.toContain('"actions"');
  });
});

describe('slack adapter: outbound', () => {
  it('posts mrkdwn in the thread and splits long text at 3,000 characters', async () => {
    const n = fake.api.posted.length;
    const long = Array.from({ length: 12 }, (_, i) => `**part ${i}** ` + 'x'.repeat(500)).join('\n\n');
    const r = await adapter.send({ ...chat, threadId: '1700000001.000001' }, { text: long });
    const posted = fake.api.posted.slice(n);
    expect(posted.length).toBeGreaterThan(1);
    expect(r.platformMessageId).toBe(posted[0]!.ts);
    for (const p of posted) {
      expect(p.text.length).toBeLessThanOrEqual(3000);
      expect(p.thread_ts).toBe('1700000001.000001');
    }
    expect(posted[0]!.text.startsWith('*part 0*')).toBe(true);
  });

  it('renders a question as a section and buttons', async () => {
    const n = fake.api.posted.length;
    await adapter.send(chat, {
      text: 'Deploy?',
      question: {
        questionId: 'q9',
        title: 'Release',
        question: 'Deploy?',
        options: [{ label: 'Yes', value: 'y' }],
      },
    });
    expect(JSON.stringify(fake.api.posted[n]!.blocks)).toContain('"action_id":"q:q9:0"');
  });

  it('uploads files with the v2 flow into the thread', async () => {
    await adapter.send(
      { ...chat, threadId: '1700000001.000001' },
      {
        text: 'report attached',
        files: [{ name: 'report.csv', data: Buffer.from('a,b\n1,2\n') }],
      },
    );
    expect(fake.api.uploads.at(-1)).toMatchObject({
      filename: 'report.csv',
      channel_id: 'C0CHAT',
      thread_ts: '1700000001.000001',
    });
    expect(fake.api.uploads.at(-1)!.data.toString()).toBe('a,b\n1,2\n');
  });

  it('edits by ts and reacts by Slack name; refuses an unknown emoji', async () => {
    const { platformMessageId } = await adapter.send(chat, { text: 'draft' });
    await adapter.edit(chat, platformMessageId!, 'final **text**');
    expect(fake.api.updates.at(-1)).toMatchObject({ ts: platformMessageId, text: 'final *text*' });
    await adapter.react(chat, platformMessageId!, '👍');
    await adapter.react(chat, platformMessageId!, '👍');
    expect(fake.api.reactions.filter((r) => r.timestamp === platformMessageId)).toEqual([
      { channel: 'C0CHAT', timestamp: platformMessageId, name: 'thumbsup' },
    ]);
    await expect(adapter.react(chat, platformMessageId!, '🦩')).rejects.toThrow(/🦩/);
    await expect(adapter.edit(chat, '1.000000', 'x')).rejects.toThrow(/message_not_found/);
  });

  it('waits out a 429 Retry-After and posts once; gives up after its retries', async () => {
    fake.api.rateLimit('chat.postMessage', 1, 1);
    const n = fake.api.posted.length;
    const started = Date.now();
    await adapter.send(chat, { text: 'after the limit' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.api.posted.slice(n).map((p) => p.text)).toEqual(['after the limit']);
    fake.api.rateLimit('chat.postMessage', 10, 0.2);
    await expect(adapter.send(chat, { text: 'never' })).rejects.toThrow(/chat.postMessage/);
    fake.api.rateLimit('chat.postMessage', 0, 0);
  }, 30_000);

  it('opens a DM for <team>:<user> and refuses a malformed handle', async () => {
    expect(await adapter.openDM('TFAKE01:U0ALICE')).toBe('D0ALICE');
    await expect(adapter.openDM('U0ALICE')).rejects.toThrow(/not <team>:<user>/);
    await expect(adapter.openDM('TFAKE01:U0NOBODY')).rejects.toThrow(/user_not_found/);
  });

  it('refuses to start with a token Slack rejects, naming the variable', async () => {
    const [instance] = channelInstances({
      SLACK_BOT_TOKEN_OPS: 'xoxb-revoked',
      SLACK_APP_TOKEN_OPS: fake.id.appToken,
      SLACK_API_URL: fake.apiUrl,
    });
    await expect(createSlackAdapter(instance!, log).start(new TestSink())).rejects.toThrow(
      'SLACK_BOT_TOKEN_OPS: slack auth.test failed: invalid_auth',
    );
  });

  it('verifies as team/bot, or failing with the API error', async () => {
    expect(await adapter.verify()).toEqual({ state: 'reachable', detail: 'Fake Team/nanobot' });
    fake.api.failNext('auth.test', 'invalid_auth');
    expect(await adapter.verify()).toEqual({ state: 'failing', error: 'invalid_auth' });
  });
});

describe('slack adapter: Events API over the webhook listener', () => {
  const secret = 'webhook-signing-secret-0001';
  let hook: SlackAdapter;
  let server: http.Server;
  let url: string;
  const hookSink = new TestSink();
  let release: (() => void) | null = null;

  beforeAll(async () => {
    const [instance] = channelInstances({
      SLACK_BOT_TOKEN: fake.id.botToken,
      SLACK_SIGNING_SECRET: secret,
      SLACK_API_URL: fake.apiUrl,
    });
    hook = createSlackAdapter(instance!, log);
    const onMessage = hookSink.onMessage.bind(hookSink);
    hookSink.onMessage = async (m) => {
      if (m.text === 'hold') await new Promise<void>((r) => (release = r));
      return onMessage(m);
    };
    await hook.start(hookSink);
    server = createWebhookServer(new MapChannelRegistry([hook]), log);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/slack`;
  });

  afterAll(async () => {
    await hook?.stop();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  it('answers 200 only after the sink resolved', async () => {
    const event = fake.eventCallback(fake.message({ channel: 'C0CHAT', user: 'U0ALICE', text: 'hold' }));
    let answered = false;
    const res = signedPost(url, secret, event).then((r) => {
      answered = true;
      return r;
    });
    await until('the sink to be called', () => release);
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(false);
    release!();
    expect((await res).status).toBe(200);
    expect(hookSink.messages.at(-1)?.messageId).toBe((event.event as { ts: string }).ts);
  });

  it('refuses a bad signature with 401 and routes nothing', async () => {
    const before = hookSink.messages.length;
    const event = fake.eventCallback(fake.message({ channel: 'C0CHAT', user: 'U0ALICE', text: 'forged' }));
    expect((await signedPost(url, secret, event, { signature: 'v0=' + '0'.repeat(64) })).status).toBe(401);
    expect((await signedPost(url, 'another-secret-entirely', event)).status).toBe(401);
    expect(hookSink.messages.length).toBe(before);
  });

  it('answers 500 when the sink fails, so Slack retries, and takes the retry once', async () => {
    hookSink.failNext = 1;
    const event = fake.eventCallback(fake.message({ channel: 'C0CHAT', user: 'U0BOB', text: 'retry me' }));
    expect((await signedPost(url, secret, event)).status).toBe(500);
    expect((await signedPost(url, secret, event, { retryNum: 1 })).status).toBe(200);
    const ts = (event.event as { ts: string }).ts;
    expect(hookSink.messages.filter((m) => m.messageId === ts)).toHaveLength(1);
  });

  it('takes a question click as a signed interactivity form post', async () => {
    const { platformMessageId } = await hook.send(chat, {
      text: 'Go?',
      question: { questionId: 'qw', title: 'Go', question: 'Go?', options: [{ label: 'Go', value: 'go' }] },
    });
    const click = fake.blockAction({
      user: 'U0BOB',
      channel: 'C0CHAT',
      messageTs: platformMessageId!,
      actionId: 'q:qw:0',
      value: 'go',
    });
    expect((await signedPost(url, secret, click, { form: true })).status).toBe(200);
    expect(hookSink.clicks.at(-1)).toMatchObject({
      questionId: 'qw',
      choice: { value: 'go' },
      senderHandle: 'TFAKE01:U0BOB',
    });
  });
});
