/**
 * The contract every chat channel implements (web, cli, telegram, discord, slack, …). Adapters translate a
 * platform's wire format to InboundMessage and back; they never touch the DBs and never decide access.
 */

/** Where a message goes or comes from on a platform. */
export interface ChatAddress {
  channelType: string;
  /** The chat: a DM, group or channel id on the platform. */
  platformId: string;
  threadId: string | null;
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
}

interface QuestionCard {
  questionId: string;
  title: string;
  question: string;
  options: { label: string; value: string }[];
}

export interface OutboundPayload {
  text: string;
  /** The inbound message id this answers, when known. */
  inReplyTo?: string | null;
  question?: QuestionCard;
  files?: { name: string; path: string }[];
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
  /** A click on a question card option. */
  onAction?(action: {
    channelType: string;
    questionId: string;
    value: string;
    senderHandle: string;
  }): Promise<void>;
}

export interface ChannelAdapter {
  readonly channelType: string;
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
  setTyping?(to: ChatAddress): Promise<void>;
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
