/** The last step of every delivery: find the channel's adapter and hand it the message. Throws when it can't. */
import type { ChannelRegistry, ChatAddress, OutboundPayload, SendResult } from '../channels/adapter.js';

export function sendThroughAdapter(
  channels: ChannelRegistry,
  to: ChatAddress,
  payload: OutboundPayload,
): Promise<SendResult> {
  const adapter = channels.get(to.channelType);
  if (!adapter) throw new Error(`no adapter for channel ${to.channelType}`);
  return adapter.send(to, payload);
}
