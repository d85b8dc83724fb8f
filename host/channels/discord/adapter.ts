/**
 * Discord through discord.js v14: the gateway brings messages, edits and button clicks; REST carries everything
 * the bot does. Pure parts live beside it (inbound.ts, format.ts, outbound.ts, cards.ts, attachments.ts).
 *
 * Invariants:
 * - Inbound messages reach the sink one at a time in gateway order; a failing or malformed one is logged and
 *   dropped and never stops the next. Discord has no per-message acknowledgement: discord.js advances the
 *   gateway's seq on receipt, and after a dropped connection it resumes the session, so Discord replays only what
 *   the socket never received (once; the host de-duplicates by message id besides).
 * - Every send has allowed_mentions { parse: [] } and replied_user false: no @everyone, @here, role or user ping,
 *   whatever the text says. A reply to a thread goes to the thread's channel.
 * - 429s are waited out by discord.js as retry_after says, within RateLimitBudget (60 s per route); past it the
 *   send throws and delivery's retry takes over.
 * - A button click is answered to Discord exactly once: the card's buttons are removed when it answered the
 *   question, else the clicker alone is told why not (ephemeral).
 * - The token is never logged.
 */
import { once } from 'node:events';
import {
  AttachmentBuilder,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  RateLimitError,
  REST,
  Routes,
  type ButtonInteraction,
  type Interaction,
  type Message,
  type PartialMessage,
  type SendableChannels,
} from 'discord.js';
import type { Logger } from 'pino';
import type {
  ChannelAdapter,
  ChannelHealth,
  ChatAddress,
  ClickOutcome,
  InboundSink,
  OutboundPayload,
  SendResult,
} from '../adapter.js';
import type { ChannelInstance } from '../channel-instance.js';
import { toInboundAttachment } from './attachments.js';
import { parseQuestionButton } from './cards.js';
import { formatDiscord } from './format.js';
import { buildInbound, type DiscordMessageFacts } from './inbound.js';
import { SentParts } from '../sent-parts.js';
import { planMessages } from './outbound.js';
import { RateLimitBudget } from './rate-limit.js';
import { parseDiscordSettings, type DiscordSettings } from './settings.js';

const READY_TIMEOUT_MS = 30_000;
const SNOWFLAKE = /^\d{15,21}$/;

const CLICK_NOTE: Record<Exclude<ClickOutcome, 'answered'>, string> = {
  not_yours: 'This question was asked of someone else.',
  no_such_question: 'This question is no longer open.',
};

function errorText(err: unknown): string {
  if (err instanceof DiscordAPIError) return `${err.status} ${err.message}`;
  if (err instanceof RateLimitError)
    return `rate limited on ${err.method.toUpperCase()} ${err.route} for ${err.retryAfter} ms, past the wait budget`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * discord.js turns each gateway dispatch into cache updates and events; a malformed dispatch makes its handler
 * throw inside the socket's message loop (an unhandled rejection). Each dispatch is handled under a guard that
 * logs and drops it instead.
 */
function guardDispatches(client: Client, log: Logger): void {
  const ws = client.ws as unknown as { handlePacket(packet?: { t?: string }, shard?: unknown): boolean };
  const handle = ws.handlePacket.bind(ws);
  ws.handlePacket = (packet, shard) => {
    try {
      return handle(packet, shard);
    } catch (err) {
      log.warn({ event: packet?.t, err: errorText(err) }, 'malformed discord dispatch dropped');
      return false;
    }
  };
}

export class DiscordAdapter implements ChannelAdapter {
  readonly userNamespace = 'discord';
  readonly supportsThreads = true;
  private client: Client<true> | null = null;
  private sink: InboundSink | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly budget = new RateLimitBudget();
  private readonly sentParts = new SentParts();

  constructor(
    readonly channelType: string,
    private readonly settings: DiscordSettings,
    private readonly log: Logger,
  ) {}

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    const client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.DirectMessages,
        GatewayIntentBits.MessageContent,
      ],
      partials: [Partials.Channel, Partials.Message],
      allowedMentions: { parse: [], repliedUser: false },
      rest: {
        api: this.settings.apiUrl,
        rejectOnRateLimit: (d) =>
          this.budget.exceeded(`${d.method} ${d.url}`, Math.max(d.retryAfter, d.timeToReset)),
      },
    });
    guardDispatches(client, this.log);
    client.on(Events.MessageCreate, (m) => this.enqueue(m, false));
    client.on(Events.MessageUpdate, (old, m) => {
      if (old.partial || old.content !== m.content) this.enqueue(m, true);
    });
    client.on(Events.InteractionCreate, (i) => void this.onInteraction(i));
    client.on(Events.Error, (err) => this.log.warn({ err: err.message }, 'discord client error'));
    client.on(Events.ShardDisconnect, (e) =>
      this.log.warn({ code: e.code }, 'discord gateway closed for good'),
    );
    client.on(Events.ShardReconnecting, () => this.log.info('discord gateway reconnecting'));
    client.on(Events.ShardResume, (_id, replayed) => this.log.info({ replayed }, 'discord gateway resumed'));
    const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
    try {
      await client.login(this.settings.token);
      await ready;
    } catch (err) {
      await client.destroy();
      const refused = err instanceof Error && 'code' in err && err.code === 'TokenInvalid';
      throw new Error(
        refused
          ? `${this.settings.tokenKey}: Discord refused the token (${errorText(err)})`
          : `discord (${this.channelType}): could not connect: ${errorText(err)}`,
        { cause: err },
      );
    }
    this.client = client as Client<true>;
    this.log.info({ bot: client.user?.username }, 'discord connected');
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.sink = null;
    await client?.destroy();
    await this.queue;
  }

  private enqueue(m: Message | PartialMessage, edit: boolean): void {
    this.queue = this.queue
      .then(() => this.deliver(m, edit))
      .catch((err: unknown) =>
        this.log.error({ messageId: m.id, err: errorText(err) }, 'discord message not delivered to the host'),
      );
  }

  private async deliver(m: Message | PartialMessage, edit: boolean): Promise<void> {
    // The message's own client: events may come before start() has finished and set this.client.
    const client = m.client;
    const sink = this.sink;
    if (!sink) return;
    // A thread discord.js has not seen yet comes without its parent: ask for it (GET /channels/{id}).
    const channel =
      m.channel?.isThread() && !m.channel.parentId
        ? await client.channels.fetch(m.channelId, { force: true })
        : m.channel;
    const facts: DiscordMessageFacts = {
      id: m.id,
      channelId: m.channelId,
      guildId: m.guildId ?? null,
      threadParentId: channel?.isThread() ? channel.parentId : null,
      type: m.type ?? -1,
      author: m.author
        ? { id: m.author.id, bot: m.author.bot, username: m.author.username, globalName: m.author.globalName }
        : null,
      webhookId: m.webhookId ?? null,
      nickname: m.member?.nickname ?? null,
      content: m.content ?? '',
      mentionsBot: m.mentions.users.has(client.user.id),
      repliesToBot: m.mentions.repliedUser?.id === client.user.id,
      createdAt: m.createdTimestamp,
      editedAt: m.editedTimestamp ?? null,
      attachments: [...m.attachments.values()].map((a) =>
        toInboundAttachment({ url: a.url, name: a.name, contentType: a.contentType ?? null, size: a.size }),
      ),
    };
    const built = buildInbound(facts, { channelType: this.channelType, botId: client.user.id, edit });
    if ('dropped' in built) {
      this.log.debug({ messageId: m.id, reason: built.dropped }, 'discord message ignored');
      return;
    }
    const outcome = await sink.onMessage(built.message);
    this.log.debug({ messageId: built.message.messageId, ...outcome }, 'discord message routed');
  }

  private async onInteraction(i: Interaction): Promise<void> {
    if (!i.isButton()) return;
    try {
      await this.onButton(i);
    } catch (err) {
      this.log.warn({ interactionId: i.id, err: errorText(err) }, 'discord button click not handled');
    }
  }

  private async onButton(i: ButtonInteraction): Promise<void> {
    const parsed = parseQuestionButton(i.customId);
    const sink = this.sink;
    let outcome: ClickOutcome = 'no_such_question';
    if (parsed && sink) {
      const member = i.member;
      const nickname = member && 'nickname' in member ? member.nickname : (member?.nick ?? null);
      outcome = await sink.onAction({
        channelType: this.channelType,
        questionId: parsed.questionId,
        choice: { index: parsed.index },
        senderHandle: i.user.id,
        senderName: nickname ?? i.user.globalName ?? i.user.username,
      });
    }
    if (outcome === 'answered') await i.update({ components: [] });
    else await i.reply({ content: CLICK_NOTE[outcome], flags: MessageFlags.Ephemeral });
  }

  private requireClient(): Client<true> {
    if (!this.client) throw new Error(`discord (${this.channelType}) is not connected`);
    return this.client;
  }

  private async sendable(id: string): Promise<SendableChannels> {
    const client = this.requireClient();
    const channel = client.channels.cache.get(id) ?? (await client.channels.fetch(id));
    if (!channel?.isSendable()) throw new Error(`discord channel ${id} is not one the bot can post in`);
    return channel;
  }

  /** Runs one platform operation; a refusal becomes an error that says what was refused and why. */
  private async attempt<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new Error(`discord ${what}: ${errorText(err)}`, { cause: err });
    }
  }

  send(to: ChatAddress, payload: OutboundPayload): Promise<SendResult> {
    return this.attempt(`send to ${to.threadId ?? to.platformId}`, () => this.sendNow(to, payload));
  }

  private async sendNow(to: ChatAddress, payload: OutboundPayload): Promise<SendResult> {
    const channel = await this.sendable(to.threadId ?? to.platformId);
    const ids = await this.sentParts.sendAll(
      payload.sourceId,
      planMessages(payload).map((p) => async () => {
        const sent = await channel.send({
          ...(p.content !== undefined ? { content: p.content } : {}),
          ...(p.components ? { components: p.components } : {}),
          ...(p.files ? { files: p.files.map((f) => new AttachmentBuilder(f.data, { name: f.name })) } : {}),
          ...(p.replyTo ? { reply: { messageReference: p.replyTo, failIfNotExists: false } } : {}),
        });
        return sent.id;
      }),
    );
    return { platformMessageId: ids[0] ?? null };
  }

  async edit(to: ChatAddress, platformMessageId: string, text: string): Promise<void> {
    const channel = await this.sendable(to.threadId ?? to.platformId);
    const [content, ...rest] = formatDiscord(text);
    if (content === undefined) throw new Error('discord: an edit needs text');
    if (rest.length)
      this.log.warn({ platformMessageId }, 'discord edit longer than one message: cut to the first');
    await channel.messages.edit(platformMessageId, { content });
  }

  async react(to: ChatAddress, platformMessageId: string, emoji: string): Promise<void> {
    const channel = await this.sendable(to.threadId ?? to.platformId);
    await channel.messages.react(platformMessageId, emoji);
  }

  async setTyping(to: ChatAddress): Promise<void> {
    const channel = await this.sendable(to.threadId ?? to.platformId);
    await channel.sendTyping();
  }

  async openDM(handle: string): Promise<string> {
    if (!SNOWFLAKE.test(handle)) throw new Error(`discord: "${handle}" is not a Discord user id`);
    const dm = await this.requireClient().users.createDM(handle);
    return dm.id;
  }

  async verify(): Promise<ChannelHealth> {
    const rest = new REST({ api: this.settings.apiUrl, version: '10' }).setToken(this.settings.token);
    try {
      const me = (await rest.get(Routes.user())) as { username: string };
      return { state: 'reachable', detail: me.username };
    } catch (err) {
      return { state: 'failing', error: errorText(err) };
    }
  }
}

export function createDiscordAdapter(instance: ChannelInstance, log: Logger): DiscordAdapter {
  return new DiscordAdapter(instance.channelType, parseDiscordSettings(instance), log);
}
