/**
 * The built-in web chat as a channel: messages come in over the HTTP API (web-server.ts) and go out as
 * server-sent events to every browser or CLI client watching that chat.
 *
 * Invariants:
 * - Durable delivery: `send` stores the message (web-events.ts) and resolves only after the row is committed;
 *   only then is it pushed to live clients. "Delivered" therefore means "in the chat's history", and a client that
 *   connects later — to this process or a restarted one — is shown it.
 * - A payload with a sourceId gets a message id derived from it: delivery sending the same outbound row again
 *   (the host died between this commit and its `delivered` row) stores and shows nothing new.
 * - A client's view has no gap and no overlap: `open` reads the stored messages and subscribes in one
 *   synchronous step, and stored messages are pushed in event-id order.
 * - Typing events are not stored: the adapter keeps the chats' current working agents in memory, so a client
 *   that connects while an agent works sees it at once; the host's Typing loop refreshes and clears them.
 * - Stored messages are pruned on a timer, a bounded batch per tick (WebEventStore.prune). Pruning is
 *   housekeeping: a tick that fails (another process locks the central DB) is logged and skipped, never thrown.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  ChannelAdapter,
  ChatAddress,
  InboundSink,
  MessageAuthor,
  OutboundPayload,
  SendResult,
  TypingAgent,
} from '../adapter.js';
import type { IdempotencyKeys } from './idempotency-keys.js';
import type { WebAuthor, WebTyping } from './web-api.js';
import type { StoredWebMessage, WebEventStore } from './web-events.js';

const WEB_CHANNEL = 'web';
const HOST_AUTHOR: WebAuthor = { kind: 'host', name: 'NanoClaw', agentGroupId: null };
/** Host messages that tell of something that went wrong; the rest (help, pairing, approval cards) are info. */
const ERROR_HOST_KINDS = new Set(['notice', 'command_denied']);

export type StreamEvent =
  | { kind: 'message'; stored: StoredWebMessage }
  | { kind: 'typing'; typing: WebTyping }
  | { kind: 'replayed'; count: number };
type Listener = (event: StreamEvent) => void;

export interface WebAdapterOptions {
  events: WebEventStore;
  keys: IdempotencyKeys;
  log: Logger;
  pruneIntervalMs?: number;
}

export class WebAdapter implements ChannelAdapter {
  readonly channelType = WEB_CHANNEL;
  readonly supportsThreads = true;
  readonly events: WebEventStore;
  readonly keys: IdempotencyKeys;
  private sink: InboundSink | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  /** chat → `<agent id> <thread>` → the typing event that is active. */
  private readonly working = new Map<string, Map<string, WebTyping>>();

  constructor(private readonly o: WebAdapterOptions) {
    this.events = o.events;
    this.keys = o.keys;
  }

  start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), this.o.pruneIntervalMs ?? 60_000);
    this.pruneTimer.unref();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.sink = null;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    this.listeners.clear();
    this.working.clear();
    return Promise.resolve();
  }

  inbound(): InboundSink {
    if (!this.sink) throw new Error('web channel is not started');
    return this.sink;
  }

  send(to: ChatAddress, payload: OutboundPayload): Promise<SendResult> {
    const messageId = payload.sourceId
      ? `web-s${createHash('sha256').update(payload.sourceId).digest('hex').slice(0, 32)}`
      : `web-${randomUUID()}`;
    const author = webAuthor(payload.author);
    this.publish({
      chat: to.platformId,
      thread: to.threadId,
      messageId,
      author,
      level:
        payload.author?.kind === 'host' && ERROR_HOST_KINDS.has(payload.author.hostKind) ? 'error' : 'info',
      text: payload.text,
      inReplyTo: payload.inReplyTo ?? null,
      question: payload.question
        ? {
            questionId: payload.question.questionId,
            title: payload.question.title,
            options: payload.question.options,
          }
        : null,
    });
    if (author.agentGroupId) this.endTyping(to, author.agentGroupId);
    return Promise.resolve({ platformMessageId: messageId });
  }

  /** A person's own message, stored so it is part of the chat's history (once per message id). */
  recordUserMessage(m: {
    chat: string;
    thread: string | null;
    messageId: string;
    name: string;
    text: string;
  }): void {
    this.publish({
      chat: m.chat,
      thread: m.thread,
      messageId: m.messageId,
      author: { kind: 'user', name: m.name, agentGroupId: null },
      level: 'info',
      text: m.text,
      inReplyTo: null,
      question: null,
    });
  }

  setTyping(to: ChatAddress, agent?: TypingAgent): Promise<void> {
    const typing: WebTyping = {
      chat: to.platformId,
      thread: to.threadId,
      agent: agent ?? null,
      active: true,
    };
    let chat = this.working.get(to.platformId);
    if (!chat) {
      chat = new Map();
      this.working.set(to.platformId, chat);
    }
    chat.set(workKey(agent?.id ?? null, to.threadId), typing);
    this.emit(to.platformId, { kind: 'typing', typing });
    return Promise.resolve();
  }

  clearTyping(to: ChatAddress, agent?: TypingAgent): Promise<void> {
    this.endTyping(to, agent?.id ?? null);
    return Promise.resolve();
  }

  /**
   * What a client of `chat` is sent first — the stored messages after `afterEventId` (or the recent history
   * when null), the end of that replay, then who is working — and a subscription to what follows. Returns the
   * unsubscribe function.
   */
  open(chat: string, afterEventId: number | null, listener: Listener): () => void {
    const stored = afterEventId === null ? this.events.recent(chat) : this.events.after(chat, afterEventId);
    for (const s of stored) listener({ kind: 'message', stored: s });
    listener({ kind: 'replayed', count: stored.length });
    for (const typing of this.working.get(chat)?.values() ?? []) listener({ kind: 'typing', typing });
    let set = this.listeners.get(chat);
    if (!set) {
      set = new Set();
      this.listeners.set(chat, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(chat);
    };
  }

  private publish(e: Parameters<WebEventStore['append']>[0]): void {
    const stored = this.events.append(e);
    if (stored) this.emit(e.chat, { kind: 'message', stored });
  }

  private endTyping(to: ChatAddress, agentId: string | null): void {
    const chat = this.working.get(to.platformId);
    const key = workKey(agentId, to.threadId);
    const typing = chat?.get(key);
    if (!chat || !typing) return;
    chat.delete(key);
    if (chat.size === 0) this.working.delete(to.platformId);
    this.emit(to.platformId, { kind: 'typing', typing: { ...typing, active: false } });
  }

  private emit(chat: string, event: StreamEvent): void {
    for (const l of this.listeners.get(chat) ?? []) l(event);
  }

  private prune(): void {
    try {
      this.events.prune();
      this.keys.prune();
    } catch (err) {
      this.o.log.warn(
        { err: (err as Error).message },
        'web chat history prune skipped; the next tick retries',
      );
    }
  }
}

function workKey(agentId: string | null, thread: string | null): string {
  return `${agentId ?? ''} ${thread ?? ''}`;
}

function webAuthor(a: MessageAuthor | undefined): WebAuthor {
  if (a?.kind === 'agent') return { kind: 'agent', name: a.name, agentGroupId: a.agentGroupId };
  if (a?.kind === 'host') return HOST_AUTHOR;
  // A payload without an author: an agent whose group the sender did not name.
  return { kind: 'agent', name: 'Agent', agentGroupId: null };
}
