/**
 * The Telegram channel: grammY's API client against the Bot API (or API_ROOT), long polling or a webhook in,
 * HTML-formatted messages, inline-keyboard cards, documents, reactions and typing out.
 *
 * Invariants:
 * - Updates reach the sink only through `handleUpdate` (poller.ts or webhook.ts), which never throws for a
 *   payload (malformed → logged and dropped) and throws only when the sink does, so the update is not
 *   acknowledged and comes again.
 * - Users are namespaced `telegram` for every instance (a person is one user across bots); chats are Telegram
 *   chat ids, a DM's chat id is the user id (direct-addressable: no openDM).
 * - Everything sent is formatted per chunk (format.ts); a card is validated (callback data ≤ 64 bytes) before
 *   anything is sent. 429s are waited out by the retry-after transformer (bounded); other refusals throw.
 * - The token is never logged: only error messages from grammY (which leave it out) and our own are.
 */
import type http from 'node:http';
import { Api, GrammyError, InputFile } from 'grammy';
import type { ReactionTypeEmoji } from 'grammy/types';
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
import { type BackoffMs, Backoff } from './backoff.js';
import { cardKeyboard, parseCallbackData } from './cards.js';
import { telegramAttachment } from './files.js';
import { escapeHtml, formatChunks } from './format.js';
import { interpretUpdate, type BotIdentity, type Interpreted } from './inbound.js';
import { Poller } from './poller.js';
import { telegramReaction } from './reactions.js';
import { retryAfter } from './retry-after.js';
import { SentParts } from '../sent-parts.js';
import { parseTelegramSettings, type TelegramSettings } from './settings.js';
import { serveTelegramWebhook } from './webhook.js';

export interface TelegramTuning {
  /** getUpdates long-poll timeout. */
  pollTimeoutSeconds: number;
  backoff: BackoffMs;
  /** Bounds of waiting out 429s per API call. */
  retry: { maxAttempts: number; maxTotalWaitMs: number };
  /** grammY's per-request timeout. */
  requestTimeoutSeconds: number;
}

const DEFAULT_TUNING: TelegramTuning = {
  pollTimeoutSeconds: 25,
  backoff: { initial: 1000, max: 30_000 },
  retry: { maxAttempts: 5, maxTotalWaitMs: 30_000 },
  requestTimeoutSeconds: 60,
};

const CLICK_REPLIES: Record<Exclude<ClickOutcome, 'answered'>, string> = {
  not_yours: 'This question is for someone else.',
  no_such_question: 'This question is already answered or closed.',
};

function messageIdOf(platformMessageId: string): number {
  if (!/^\d+$/.test(platformMessageId))
    throw new Error(`"${platformMessageId}" is not a Telegram message id`);
  return Number(platformMessageId);
}

function threadOf(to: ChatAddress): { message_thread_id?: number } {
  return to.threadId && /^\d+$/.test(to.threadId) ? { message_thread_id: Number(to.threadId) } : {};
}

/** A reply quote when `inReplyTo` is a Telegram message id (or an edit id `<id>~<time>`). */
function replyOf(inReplyTo: string | null | undefined) {
  const m = inReplyTo ? /^(\d+)(?:~\d+)?$/.exec(inReplyTo) : null;
  return m ? { reply_parameters: { message_id: Number(m[1]), allow_sending_without_reply: true } } : {};
}

function describe(err: unknown): string {
  return err instanceof GrammyError ? `${err.error_code}: ${err.description}` : (err as Error).message;
}

export class TelegramAdapter implements ChannelAdapter {
  readonly channelType: string;
  readonly userNamespace = 'telegram';
  readonly supportsThreads = true;
  private readonly api: Api;
  private readonly settings: TelegramSettings;
  private readonly tuning: TelegramTuning;
  private readonly poller: Poller | null;
  private sink: InboundSink | null = null;
  private bot: BotIdentity | null = null;
  private ready = false;
  private stopper = new AbortController();
  private webhookSetup: Promise<void> | null = null;
  private readonly sentParts = new SentParts();

  constructor(
    private readonly instance: ChannelInstance,
    private readonly log: Logger,
    tuning: Partial<TelegramTuning> = {},
  ) {
    this.channelType = instance.channelType;
    this.settings = parseTelegramSettings(instance);
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.api = new Api(this.settings.token, {
      apiRoot: this.settings.apiRoot,
      timeoutSeconds: this.tuning.requestTimeoutSeconds,
    });
    this.api.config.use(retryAfter({ ...this.tuning.retry, log }));
    this.poller = this.settings.webhook
      ? null
      : new Poller({
          api: this.api,
          token: this.settings.token,
          tokenKey: instance.envKey('BOT_TOKEN'),
          log,
          timeoutSeconds: this.tuning.pollTimeoutSeconds,
          backoff: this.tuning.backoff,
          prepare: () => this.prepare(),
          handle: (u) => this.handleUpdate(u),
        });
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.stopper = new AbortController();
    try {
      await this.prepare();
    } catch (err) {
      if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404))
        throw new Error(
          `${this.instance.envKey('BOT_TOKEN')}: Telegram refused the token (${describe(err)})`,
          { cause: err },
        );
      this.log.warn({ err: describe(err) }, 'telegram not reachable at start; retrying in the background');
    }
    if (this.poller) this.poller.start();
    else if (!this.ready) this.webhookSetup ??= this.retryPrepare(this.stopper.signal);
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.poller?.stop();
    await this.webhookSetup;
    this.webhookSetup = null;
    this.sink = null;
  }

  /** Learns who the bot is, then sets the webhook (webhook mode) or removes it (polling); once. */
  private async prepare(): Promise<void> {
    if (this.ready) return;
    if (!this.bot) {
      const me = await this.api.getMe();
      this.bot = { id: me.id, username: me.username };
    }
    const hook = this.settings.webhook;
    if (hook)
      await this.api.setWebhook(hook.url, {
        secret_token: hook.secret,
        allowed_updates: ['message', 'edited_message', 'callback_query'],
      });
    else await this.api.deleteWebhook();
    this.ready = true;
    this.log.info(
      { bot: `@${this.bot.username}`, mode: hook ? 'webhook' : 'polling' },
      'telegram channel ready',
    );
  }

  private async retryPrepare(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.tuning.backoff);
    while (!this.ready && !signal.aborted) {
      await backoff.wait(signal);
      if (signal.aborted) return;
      await this.prepare().catch((err: unknown) =>
        this.log.warn({ err: describe(err) }, 'telegram webhook setup failed; retrying'),
      );
    }
  }

  /** One update from polling or the webhook. Throws only when the sink refused it (not acknowledged). */
  private async handleUpdate(raw: unknown): Promise<void> {
    const sink = this.sink;
    const bot = this.bot;
    if (!sink || !bot) throw new Error('telegram channel is not started');
    const { updateId, event } = interpretUpdate(raw, {
      channelType: this.channelType,
      bot,
      attachment: (ref) => telegramAttachment(this.api, this.settings.apiRoot, this.settings.token, ref),
    });
    if (event.kind === 'ignored') {
      const level = event.reason.startsWith('malformed') ? 'warn' : 'debug';
      this.log[level]({ updateId, reason: event.reason }, 'telegram update dropped');
      return;
    }
    if (event.kind === 'message') {
      const outcome = await sink.onMessage(event.message);
      this.log.debug({ updateId, messageId: event.message.messageId, ...outcome }, 'telegram message routed');
      return;
    }
    await this.click(sink, event);
  }

  private async click(sink: InboundSink, e: Extract<Interpreted, { kind: 'click' }>): Promise<void> {
    const card = parseCallbackData(e.data);
    const outcome = card
      ? await sink.onAction({
          channelType: this.channelType,
          questionId: card.questionId,
          choice: { index: card.index },
          senderHandle: e.senderHandle,
          senderName: e.senderName,
        })
      : 'no_such_question';
    const text = outcome === 'answered' ? undefined : CLICK_REPLIES[outcome];
    try {
      await this.api.answerCallbackQuery(e.queryId, text ? { text } : {});
    } catch (err) {
      this.log.warn({ err: describe(err), outcome }, 'telegram: could not answer the card click');
    }
  }

  handleWebhook(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const hook = this.settings.webhook;
    if (!hook || !this.sink) {
      req.resume();
      res
        .writeHead(hook ? 503 : 404, { 'content-type': 'text/plain' })
        .end(hook ? 'not started\n' : 'not found\n');
      return Promise.resolve();
    }
    if (!this.ready) {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready\n');
      return Promise.resolve();
    }
    return serveTelegramWebhook(req, res, {
      secret: hook.secret,
      log: this.log,
      handle: (u) => this.handleUpdate(u),
    });
  }

  async send(to: ChatAddress, payload: OutboundPayload): Promise<SendResult> {
    const card = payload.question;
    const keyboard = card ? cardKeyboard(card) : undefined;
    const files = payload.files ?? [];
    const chunks = formatChunks(payload.text);
    if (chunks.length === 0 && card) chunks.push(escapeHtml(card.title || card.question));
    if (chunks.length === 0 && files.length === 0)
      throw new Error('nothing to send: empty text and no files');
    const ids = await this.sentParts.sendAll(payload.sourceId, [
      ...chunks.map((chunk, i) => async () => {
        const m = await this.api.sendMessage(to.platformId, chunk, {
          parse_mode: 'HTML',
          ...threadOf(to),
          ...(i === 0 ? replyOf(payload.inReplyTo) : {}),
          ...(keyboard && i === chunks.length - 1 ? { reply_markup: keyboard } : {}),
        });
        return String(m.message_id);
      }),
      ...files.map((file) => async () => {
        const m = await this.api.sendDocument(
          to.platformId,
          new InputFile(file.data, file.name),
          threadOf(to),
        );
        return String(m.message_id);
      }),
    ]);
    return { platformMessageId: ids[0]! };
  }

  async edit(to: ChatAddress, platformMessageId: string, text: string): Promise<void> {
    const chunks = formatChunks(text);
    if (chunks.length !== 1)
      throw new Error(
        `an edited Telegram message must be one message of 1-4096 characters (got ${chunks.length})`,
      );
    try {
      await this.api.editMessageText(to.platformId, messageIdOf(platformMessageId), chunks[0]!, {
        parse_mode: 'HTML',
      });
    } catch (err) {
      if (err instanceof GrammyError && err.description.includes('message is not modified')) return;
      throw err;
    }
  }

  async react(to: ChatAddress, platformMessageId: string, emoji: string): Promise<void> {
    const reaction = telegramReaction(emoji) as ReactionTypeEmoji['emoji'];
    await this.api.setMessageReaction(to.platformId, messageIdOf(platformMessageId), [
      { type: 'emoji', emoji: reaction },
    ]);
  }

  async setTyping(to: ChatAddress): Promise<void> {
    await this.api.sendChatAction(to.platformId, 'typing', threadOf(to));
  }

  async verify(): Promise<ChannelHealth> {
    try {
      const me = await this.api.getMe();
      return { state: 'reachable', detail: `@${me.username}` };
    } catch (err) {
      return { state: 'failing', error: describe(err) };
    }
  }
}

export function createTelegramAdapter(instance: ChannelInstance, log: Logger): ChannelAdapter {
  return new TelegramAdapter(instance, log);
}
