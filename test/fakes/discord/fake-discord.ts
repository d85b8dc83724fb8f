/**
 * A local Discord for tests: the REST API (rest.ts) and the gateway (gateway.ts) on one 127.0.0.1 port, with a
 * test guild (a text channel and a thread in it), two people, another bot, and the bot user the token belongs to.
 * Tests inject what people do (messages, edits, DMs, button clicks) and read what the bot did from the records.
 *
 *   const discord = await FakeDiscord.start();
 *   DISCORD_BOT_TOKEN=discord.token DISCORD_API_URL=discord.apiUrl
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway } from './gateway.js';
import {
  buttonClick,
  dmChannel,
  guild,
  message,
  snowflake,
  textChannel,
  thread,
  user,
  type ApiAttachment,
  type ApiChannel,
  type ApiUser,
  type MessageInit,
} from './payloads.js';
import { FakeRest } from './rest.js';

const FAKE_DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.discord-test-token';

export interface PostOptions {
  /** Where: the test channel (default), the test thread, or a DM with the author. */
  in?: 'channel' | 'thread' | 'dm';
  mentions?: ApiUser[];
  nick?: string;
  replyTo?: string;
  attachments?: ApiAttachment[];
  type?: number;
  webhookId?: string;
}

export class FakeDiscord {
  readonly token: string;
  readonly bot = user(snowflake(), 'nanobot', { bot: true });
  readonly alice = user(snowflake(), 'alice', { global_name: 'Alice A.' });
  readonly bob = user(snowflake(), 'bob');
  readonly otherBot = user(snowflake(), 'otherbot', { bot: true });
  readonly applicationId = this.bot.id;
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly threadId = snowflake();
  readonly rest: FakeRest;
  readonly gateway: FakeGateway;
  private readonly server: http.Server;
  private port = 0;

  private constructor(opts: { token?: string; heartbeatIntervalMs?: number }) {
    this.token = opts.token ?? FAKE_DISCORD_TOKEN;
    this.rest = new FakeRest(
      this.token,
      this.bot,
      () => this.baseUrl,
      () => this.gatewayUrl,
    );
    for (const u of [this.bot, this.alice, this.bob, this.otherBot]) this.rest.users.set(u.id, u);
    this.rest.channels.set(this.channelId, textChannel(this.channelId, this.guildId, 'general'));
    this.rest.channels.set(
      this.threadId,
      thread(this.threadId, this.guildId, this.channelId, 'planning', this.alice.id),
    );
    this.gateway = new FakeGateway({
      token: this.token,
      url: () => this.gatewayUrl,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
      ready: () => ({
        v: 10,
        user: this.bot,
        guilds: [{ id: this.guildId, unavailable: true }],
        application: { id: this.applicationId, flags: 0 },
        shard: [0, 1],
      }),
      afterReady: () => [{ t: 'GUILD_CREATE', d: this.guildPayload() }],
    });
    this.server = http.createServer((req, res) => void this.rest.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').startsWith('/gateway')) this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  static async start(opts: { token?: string; heartbeatIntervalMs?: number } = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** DISCORD_API_URL: discord.js appends /v10/… */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  private guildPayload() {
    const channels = [...this.rest.channels.values()].filter((c) => c.guild_id === this.guildId);
    return guild(
      this.guildId,
      'Test Guild',
      this.alice.id,
      channels.filter((c) => c.type !== 11),
      channels.filter((c) => c.type === 11),
    );
  }

  /** The DM channel between the bot and `u` (created on first use, as Discord does). */
  dmWith(u: ApiUser): ApiChannel {
    const existing = [...this.rest.channels.values()].find(
      (c) => c.type === 1 && c.recipients?.[0]?.id === u.id,
    );
    if (existing) return existing;
    const ch = dmChannel(snowflake(), u);
    this.rest.channels.set(ch.id, ch);
    return ch;
  }

  private where(
    opt: PostOptions['in'],
    author: ApiUser,
  ): { channelId: string; guildId?: string; channelType: number } {
    if (opt === 'dm') return { channelId: this.dmWith(author).id, channelType: 1 };
    if (opt === 'thread') return { channelId: this.threadId, guildId: this.guildId, channelType: 11 };
    return { channelId: this.channelId, guildId: this.guildId, channelType: 0 };
  }

  /** Someone posts a message: MESSAGE_CREATE on the gateway. Returns the message payload. */
  post(author: ApiUser, content: string, opts: PostOptions = {}): Record<string, unknown> {
    const init: MessageInit = {
      ...this.where(opts.in, author),
      author,
      content,
      ...(opts.mentions ? { mentions: opts.mentions } : {}),
      ...(opts.nick ? { nick: opts.nick } : {}),
      ...(opts.attachments ? { attachments: opts.attachments } : {}),
      ...(opts.type !== undefined ? { type: opts.type } : {}),
      ...(opts.webhookId ? { webhookId: opts.webhookId } : {}),
      ...(opts.replyTo && this.rest.messages.has(opts.replyTo)
        ? { referenced: this.rest.messages.get(opts.replyTo)! }
        : {}),
    };
    const msg = message(init);
    this.rest.messages.set(msg.id as string, msg);
    this.gateway.dispatch('MESSAGE_CREATE', msg);
    return msg;
  }

  /** The author edits a message: MESSAGE_UPDATE with the new content and edited_timestamp. */
  edit(messageId: string, content: string): Record<string, unknown> {
    const msg = this.rest.messages.get(messageId);
    if (!msg) throw new Error(`fake discord: no message ${messageId}`);
    msg.content = content;
    msg.edited_timestamp = new Date().toISOString();
    this.gateway.dispatch('MESSAGE_UPDATE', { ...msg });
    return msg;
  }

  /** `clicker` presses the button `customId` on the bot's message: INTERACTION_CREATE. Returns the interaction id. */
  click(messageId: string, customId: string, clicker: ApiUser): string {
    const msg = this.rest.messages.get(messageId);
    if (!msg) throw new Error(`fake discord: no message ${messageId}`);
    const channel = this.rest.channels.get(msg.channel_id as string)!;
    const payload = buttonClick({
      applicationId: this.applicationId,
      message: msg,
      customId,
      clicker,
      channel,
      ...(channel.guild_id ? { guildId: channel.guild_id } : {}),
    });
    this.rest.interactions.add(payload.id as string);
    this.gateway.dispatch('INTERACTION_CREATE', payload);
    return payload.id as string;
  }

  /** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
  async waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`fake discord: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.gateway.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
