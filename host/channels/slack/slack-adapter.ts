/**
 * The Slack channel: Bolt for inbound (Socket Mode with an app token, or the Events API on the host's webhook
 * listener with a signing secret), the Web API client for everything outbound.
 *
 * Invariants:
 * - Users are per workspace: senderHandle and openDM handles are `<team>:<user>`, so user ids read
 *   `slack:T123:U456`; userNamespace is `slack` for every Slack bot. platformId is the channel id (C…/G…/D…),
 *   threadId the thread's `thread_ts`, platformMessageId a message `ts`.
 * - Outbound text is Markdown converted to mrkdwn in chunks of at most 3,000 characters, posted in order in the
 *   address's thread; the first chunk's ts is the message id returned.
 * - The Web API client retries a 429 after its Retry-After, at most RETRIES times per call, then throws so
 *   delivery's own retry takes over.
 * - Slack has no typing indicator for bots in the Events API, so there is no setTyping.
 */
import type http from 'node:http';
import { App, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type {
  ChannelAdapter,
  ChannelHealth,
  ChatAddress,
  InboundSink,
  OutboundPayload,
  SendResult,
} from '../adapter.js';
import { SentParts } from '../sent-parts.js';
import type { ChannelInstance } from '../channel-instance.js';
import { slackReactionName } from './emoji.js';
import { slackAttachment } from './files.js';
import type { BotIdentity } from './inbound.js';
import { registerListeners } from './listeners.js';
import { mrkdwnChunks, toMrkdwn } from './mrkdwn.js';
import { questionBlocks } from './question-blocks.js';
import { DeferredAckSocketReceiver, WebhookReceiver } from './receivers.js';
import { slackSettings, type SlackSettings } from './settings.js';
import { slackLogger } from './slack-logger.js';
import { UserNames } from './user-names.js';

const RETRIES = 2;
const REQUEST_TIMEOUT_MS = 20_000;
/** chat.update takes a message's whole text (Slack's limit is 40,000 characters). */
const EDIT_LIMIT = 40_000;

function apiError(err: unknown): string {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : (err as Error).message;
}

/** `<team>:<user>` → the user id. */
function userOf(handle: string): string {
  const m = /^[TE][A-Z0-9]+:([UW][A-Z0-9]+)$/.exec(handle);
  if (!m) throw new Error(`slack handle "${handle}" is not <team>:<user>`);
  return m[1]!;
}

export class SlackAdapter implements ChannelAdapter {
  readonly userNamespace = 'slack';
  readonly supportsThreads = true;
  readonly handleWebhook?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  private readonly web: webApi.WebClient;
  private readonly names: UserNames;
  private readonly webhook: WebhookReceiver | null;
  private readonly sentParts = new SentParts();
  private app: App | null = null;

  constructor(
    readonly channelType: string,
    private readonly settings: SlackSettings,
    private readonly log: Logger,
    /** The variable holding this bot's token, named in start-up errors. */
    private readonly tokenKey = 'SLACK_BOT_TOKEN',
  ) {
    this.web = new webApi.WebClient(settings.botToken, {
      slackApiUrl: settings.apiUrl,
      logger: slackLogger(log),
      retryConfig: { retries: RETRIES, factor: 2, minTimeout: 200, maxTimeout: 2000, maxRetryTime: 60_000 },
      timeout: REQUEST_TIMEOUT_MS,
    });
    this.names = new UserNames((user) => this.web.users.info({ user }), log);
    this.webhook = settings.mode === 'webhook' ? new WebhookReceiver(settings.signingSecret, log) : null;
    if (this.webhook) {
      const webhook = this.webhook;
      this.handleWebhook = (req, res) => webhook.handle(req, res);
    }
  }

  private async identity(): Promise<BotIdentity> {
    const auth = await this.web.auth.test().catch((err: unknown) => {
      throw new Error(`${this.tokenKey}: slack auth.test failed: ${apiError(err)}`, { cause: err });
    });
    if (!auth.team_id || !auth.user_id) throw new Error('slack auth.test returned no team or user id');
    return { teamId: auth.team_id, userId: auth.user_id, botId: auth.bot_id ?? null };
  }

  async start(sink: InboundSink): Promise<void> {
    const bot = await this.identity();
    const logger = slackLogger(this.log);
    const receiver =
      this.webhook ??
      new DeferredAckSocketReceiver(
        new SocketModeReceiver({
          appToken: (this.settings as { appToken: string }).appToken,
          logger,
          installerOptions: { clientOptions: { slackApiUrl: this.settings.apiUrl } },
          processEventErrorHandler: () => Promise.resolve(false),
        }),
        this.log,
      );
    const app = new App({
      receiver,
      logger,
      clientOptions: { slackApiUrl: this.settings.apiUrl },
      authorize: () =>
        Promise.resolve({
          botToken: this.settings.botToken,
          botId: bot.botId ?? undefined,
          botUserId: bot.userId,
          teamId: bot.teamId,
        }),
    });
    registerListeners(app, {
      channelType: this.channelType,
      bot,
      sink,
      web: this.web,
      names: this.names,
      attachment: (file) => slackAttachment(file, this.settings.botToken, this.settings.apiUrl),
      log: this.log,
    });
    await app.start();
    this.app = app;
    this.log.info({ mode: this.settings.mode, team: bot.teamId, user: bot.userId }, 'slack channel started');
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = null;
    await app?.stop();
  }

  async send(to: ChatAddress, payload: OutboundPayload): Promise<SendResult> {
    const thread = to.threadId ? { thread_ts: to.threadId } : {};
    const post = (args: { text: string; blocks?: webApi.KnownBlock[] }) => async () => {
      const r = await this.web.chat
        .postMessage({ channel: to.platformId, ...args, ...thread })
        .catch((err: unknown) => {
          throw new Error(`slack chat.postMessage to ${to.platformId} failed: ${apiError(err)}`, {
            cause: err,
          });
        });
      return r.ts ?? null;
    };
    const card = payload.question ? questionBlocks(payload.question) : null;
    const texts = card
      ? [post({ text: card.text, blocks: card.blocks as unknown as webApi.KnownBlock[] })]
      : mrkdwnChunks(payload.text).map((text) => post({ text }));
    const files = (payload.files ?? []).map((file) => async () => {
      await this.web
        .filesUploadV2({
          channel_id: to.platformId,
          file: file.data,
          filename: file.name,
          title: file.name,
          ...thread,
        })
        .catch((err: unknown) => {
          throw new Error(`slack upload of ${file.name} to ${to.platformId} failed: ${apiError(err)}`, {
            cause: err,
          });
        });
      return null;
    });
    const ids = await this.sentParts.sendAll(payload.sourceId, [...texts, ...files]);
    return { platformMessageId: ids.find((id) => id !== null) ?? null };
  }

  async edit(to: ChatAddress, platformMessageId: string, text: string): Promise<void> {
    const mrkdwn = toMrkdwn(text);
    if (mrkdwn.length > EDIT_LIMIT)
      throw new Error(`slack edit is ${mrkdwn.length} characters, over ${EDIT_LIMIT}`);
    await this.web.chat
      .update({ channel: to.platformId, ts: platformMessageId, text: mrkdwn })
      .catch((err: unknown) => {
        throw new Error(
          `slack chat.update of ${platformMessageId} in ${to.platformId} failed: ${apiError(err)}`,
          { cause: err },
        );
      });
  }

  async react(to: ChatAddress, platformMessageId: string, emoji: string): Promise<void> {
    const name = slackReactionName(emoji);
    try {
      await this.web.reactions.add({ channel: to.platformId, timestamp: platformMessageId, name });
    } catch (err) {
      if (apiError(err) === 'already_reacted') return;
      throw new Error(`slack reactions.add ${name} on ${platformMessageId} failed: ${apiError(err)}`, {
        cause: err,
      });
    }
  }

  async openDM(handle: string): Promise<string> {
    const users = userOf(handle);
    const r = await this.web.conversations.open({ users }).catch((err: unknown) => {
      throw new Error(`slack conversations.open with ${handle} failed: ${apiError(err)}`, { cause: err });
    });
    if (!r.channel?.id) throw new Error(`slack conversations.open with ${handle} returned no channel`);
    return r.channel.id;
  }

  async verify(): Promise<ChannelHealth> {
    try {
      const auth = await this.web.auth.test();
      return { state: 'reachable', detail: `${auth.team ?? auth.team_id}/${auth.user ?? auth.user_id}` };
    } catch (err) {
      return { state: 'failing', error: apiError(err) };
    }
  }
}

export function createSlackAdapter(instance: ChannelInstance, log: Logger): SlackAdapter {
  return new SlackAdapter(instance.channelType, slackSettings(instance), log, instance.envKey('BOT_TOKEN'));
}
