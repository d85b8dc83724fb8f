/**
 * The built-in web chat as a channel: messages come in over the HTTP API (web-server.ts) and replies go out as
 * server-sent events to every browser or CLI client watching that chat. A bounded buffer per chat lets a client
 * that reconnects with Last-Event-ID catch up on what it missed.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelAdapter, ChatAddress, InboundSink, OutboundPayload, SendResult } from '../adapter.js';
import type { WebEvent } from './web-api.js';

const WEB_CHANNEL = 'web';
const BUFFER_PER_CHAT = 200;
const MAX_CHATS = 1000;

type Listener = (event: WebEvent) => void;

export class WebAdapter implements ChannelAdapter {
  readonly channelType = WEB_CHANNEL;
  readonly supportsThreads = true;
  private sink: InboundSink | null = null;
  private seq = 0;
  private readonly buffers = new Map<string, WebEvent[]>();
  private readonly listeners = new Map<string, Set<Listener>>();

  start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.sink = null;
    this.listeners.clear();
    return Promise.resolve();
  }

  inbound(): InboundSink {
    if (!this.sink) throw new Error('web channel is not started');
    return this.sink;
  }

  send(to: ChatAddress, payload: OutboundPayload): Promise<SendResult> {
    const event: WebEvent = {
      seq: ++this.seq,
      id: `web-${randomUUID()}`,
      chat: to.platformId,
      thread: to.threadId,
      text: payload.text,
      inReplyTo: payload.inReplyTo ?? null,
      ...(payload.question
        ? {
            question: {
              questionId: payload.question.questionId,
              title: payload.question.title,
              options: payload.question.options,
            },
          }
        : {}),
    };
    let buffer = this.buffers.get(to.platformId);
    if (!buffer) {
      if (this.buffers.size >= MAX_CHATS) this.buffers.delete(this.buffers.keys().next().value as string);
      buffer = [];
      this.buffers.set(to.platformId, buffer);
    }
    buffer.push(event);
    if (buffer.length > BUFFER_PER_CHAT) buffer.shift();
    for (const l of this.listeners.get(to.platformId) ?? []) l(event);
    return Promise.resolve({ platformMessageId: event.id });
  }

  /** Events of a chat after `afterSeq` still in the buffer. */
  since(chat: string, afterSeq: number): WebEvent[] {
    return (this.buffers.get(chat) ?? []).filter((e) => e.seq > afterSeq);
  }

  watch(chat: string, listener: Listener): () => void {
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
}
