/** A channel adapter for unit tests: records what it is asked to do, and can be told to fail the next sends. */
import type { ChannelAdapter, ChatAddress, OutboundPayload } from '../../host/channels/adapter.js';

export class RecordingAdapter implements ChannelAdapter {
  sent: { to: ChatAddress; payload: OutboundPayload }[] = [];
  edits: { to: ChatAddress; platformMessageId: string; text: string }[] = [];
  reactions: { to: ChatAddress; platformMessageId: string; emoji: string }[] = [];
  typing: ChatAddress[] = [];
  /** How many of the next sends the "platform" refuses. */
  failNext = 0;

  constructor(
    readonly channelType: string,
    readonly supportsThreads = true,
  ) {}

  start = () => Promise.resolve();
  stop = () => Promise.resolve();

  send(to: ChatAddress, payload: OutboundPayload) {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('platform said no'));
    }
    this.sent.push({ to, payload });
    return Promise.resolve({ platformMessageId: `p${this.sent.length}` });
  }

  edit(to: ChatAddress, platformMessageId: string, text: string) {
    this.edits.push({ to, platformMessageId, text });
    return Promise.resolve();
  }

  react(to: ChatAddress, platformMessageId: string, emoji: string) {
    this.reactions.push({ to, platformMessageId, emoji });
    return Promise.resolve();
  }

  setTyping(to: ChatAddress) {
    this.typing.push(to);
    return Promise.resolve();
  }
}
