/**
 * The contract every chat channel implements (web, telegram, discord, slack, …). Adapters translate a platform's
 * wire format to InboundMessage and back; they never touch the DBs and never decide access.
 *
 * Invariants every adapter keeps:
 * - Identity comes from the platform: `senderHandle` is the platform's stable user id as the platform's
 *   authenticated payload gives it, never parsed from message text. The bot's own messages and other bots'
 *   messages never reach the sink.
 * - An inbound message is acknowledged to the platform (webhook 200, update offset advanced) only after
 *   `onMessage` resolved — the message is durably accepted or deliberately dropped. A platform's redelivery of
 *   the same message carries the same `messageId`; the host writes it once.
 * - A malformed or unexpected payload is logged and dropped; it never throws out of the adapter's event loop.
 * - `send`, `edit` and `react` throw when the platform refuses (delivery retries and records the failure).
 */
import type http from 'node:http';
import type { HostMessageKind } from '../../protocol/vocabulary.js';

/** Where a message goes or comes from on a platform. */
export interface ChatAddress {
  channelType: string;
  /** The chat: a DM, group or channel id on the platform. */
  platformId: string;
  threadId: string | null;
}

/**
 * A file that came with an inbound message. Nothing is downloaded until the host has let the message through the
 * access gate; `download` must refuse (throw) past `maxBytes` without reading the rest.
 */
export interface InboundAttachment {
  /** The platform's file name, if any (the host makes it safe before it touches a disk). */
  name: string | null;
  mimeType: string | null;
  /** Size as the platform announced it, when it did. */
  size: number | null;
  download(maxBytes: number): Promise<Buffer>;
}

export interface InboundMessage extends ChatAddress {
  /** The platform's id for this message, unique within the chat. */
  messageId: string;
  /** The raw platform handle of the sender (namespaced by the router), or null when the platform has none. */
  senderHandle: string | null;
  senderName?: string | null;
  text: string;
  /** The bot was mentioned; a DM always counts as a mention. */
  isMention: boolean;
  isGroup: boolean;
  timestamp: string;
  /** An operator override of the reply address (CLI admin routing). */
  replyTo?: ChatAddress;
  attachments?: InboundAttachment[];
  /**
   * Set when this is an edit of an earlier message (that message's id). Adapters give an edit its own `messageId`
   * (`<original id>~<edit time>`), so the agent sees the corrected text as a new message and a redelivered edit
   * is still written once.
   */
  editOf?: string;
}

interface QuestionCard {
  questionId: string;
  title: string;
  question: string;
  options: { label: string; value: string }[];
}

export interface OutboundPayload {
  text: string;
  /** The platform's id of the message this answers (InboundMessage.messageId), when known. */
  inReplyTo?: string | null;
  question?: QuestionCard;
  /** Files to upload with the message: safe names, contents read by the host from the session's outbox. */
  files?: { name: string; data: Buffer }[];
  /** Who is speaking; channels that show one bot identity for everything ignore it. */
  author?: MessageAuthor;
  /**
   * A stable id of what is sent (the outbound row), the same when delivery sends it again after a crash; a
   * channel that can store messages keyed by it (the web chat) shows a re-send once.
   */
  sourceId?: string;
}

/** An agent group of the sending session, or the host itself with the kind of what it says. */
export type MessageAuthor =
  { kind: 'agent'; agentGroupId: string; name: string } | { kind: 'host'; hostKind: HostMessageKind };

/** The agent group whose session is working, for a typing indicator that names it. */
export interface TypingAgent {
  id: string;
  name: string;
}

export interface SendResult {
  platformMessageId: string | null;
}

/** What became of an inbound message. */
export interface InboundOutcome {
  /** Sessions the message was written to (as a prompt or as context). */
  delivered: number;
  /** Why it reached no agent, when it did not. */
  dropped: string | null;
}

/** What an adapter calls when something arrives. `onMessage` resolves once the message is durably accepted. */
export interface InboundSink {
  onMessage(message: InboundMessage): Promise<InboundOutcome>;
  /**
   * A click on a question card option, by the platform user `senderHandle` (the platform's id of who clicked,
   * never a value carried in the button). Resolves with whether the click answered the question; the adapter may
   * tell the clicker when it did not.
   */
  onAction(action: QuestionClick): Promise<ClickOutcome>;
}

export interface QuestionClick {
  channelType: string;
  questionId: string;
  /**
   * The option clicked: its value, or its position among the card's options for platforms whose buttons carry
   * too little for the value (Telegram's 64 bytes, Discord's custom_id). The host maps a position to the value it
   * recorded with the card, so clicks on cards sent before a restart still count.
   */
  choice: { value: string } | { index: number };
  senderHandle: string;
  senderName?: string | null;
}

export type ClickOutcome = 'answered' | 'not_yours' | 'no_such_question';

/** What `nanoclaw verify` prints for a channel. */
export type ChannelHealth = { state: 'reachable'; detail: string } | { state: 'failing'; error: string };

export interface ChannelAdapter {
  /** The registry key and the `channel` of MessagingGroups: `telegram`, or `telegram-<instance>` for a named bot. */
  readonly channelType: string;
  /**
   * The prefix of user ids from this channel (`telegram` for every Telegram bot, so one person is one user across
   * instances). Defaults to channelType.
   */
  readonly userNamespace?: string;
  /** Whether the platform has threads; if not, the router ignores thread ids. */
  readonly supportsThreads: boolean;
  start(sink: InboundSink): Promise<void>;
  stop(): Promise<void>;
  /** Delivers one message; throws when the platform refuses it. */
  send(to: ChatAddress, payload: OutboundPayload): Promise<SendResult>;
  /**
   * Resolution-required channels (Discord, Slack, Teams, Webex, Google Chat) turn a user handle into a DM chat
   * id here. Direct-addressable channels (Telegram, WhatsApp, iMessage, Matrix, email) omit it: the handle is
   * the DM address.
   */
  openDM?(handle: string): Promise<string>;
  /** Follow a thread after a mention (mention-sticky), on threaded platforms. */
  subscribe?(platformId: string, threadId: string): Promise<void>;
  /** Shows "typing…" once; the host repeats it while the agent works (platforms expire it after ~5–10 s). */
  setTyping?(to: ChatAddress, agent?: TypingAgent): Promise<void>;
  /** Ends the indicator at once (a reply, an error, the runner gone) on channels that can; others let it expire. */
  clearTyping?(to: ChatAddress, agent?: TypingAgent): Promise<void>;
  /** Replaces the text of a message this bot sent. */
  edit?(to: ChatAddress, platformMessageId: string, text: string): Promise<void>;
  /** Adds a reaction (a Unicode emoji) to a message in the chat. */
  react?(to: ChatAddress, platformMessageId: string, emoji: string): Promise<void>;
  /** Asks the platform who the bot is (getMe, auth.test, …) for `nanoclaw verify`. */
  verify?(): Promise<ChannelHealth>;
  /**
   * Push-mode platforms (Telegram webhook mode, Slack Events API) are served at `/webhooks/<channelType>` on the
   * host's webhook listener. The adapter verifies the platform's signature or secret itself (401 on a bad one,
   * nothing routed) and answers only after the sink accepted the message.
   */
  handleWebhook?(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

/** Looks adapters up by channel type. */
export interface ChannelRegistry {
  get(channelType: string): ChannelAdapter | undefined;
  all(): ChannelAdapter[];
}

export class MapChannelRegistry implements ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  constructor(adapters: ChannelAdapter[] = []) {
    for (const a of adapters) this.register(a);
  }

  register(adapter: ChannelAdapter): void {
    if (this.adapters.has(adapter.channelType))
      throw new Error(`channel "${adapter.channelType}" is registered twice`);
    this.adapters.set(adapter.channelType, adapter);
  }

  get(channelType: string): ChannelAdapter | undefined {
    return this.adapters.get(channelType);
  }

  all(): ChannelAdapter[] {
    return [...this.adapters.values()];
  }
}
