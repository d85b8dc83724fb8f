/** The last step of every delivery: find the channel's adapter and hand it the message. Throws when it can't. */

import type { ChatOpContent } from '../../protocol/messages.js';
import type {
  ChannelAdapter,
  ChannelRegistry,
  ChatAddress,
  OutboundPayload,
  SendResult,
} from '../channels/adapter.js';

function adapterOf(channels: ChannelRegistry, channelType: string): ChannelAdapter {
  const adapter = channels.get(channelType);
  if (!adapter) throw new Error(`no adapter for channel ${channelType}`);
  return adapter;
}

export function sendThroughAdapter(
  channels: ChannelRegistry,
  to: ChatAddress,
  payload: OutboundPayload,
): Promise<SendResult> {
  return adapterOf(channels, to.channelType).send(to, payload);
}

/** An agent's edit or reaction; throws when the channel cannot do it (the row is then recorded failed). */
export async function applyChatOp(
  channels: ChannelRegistry,
  to: ChatAddress,
  platformMessageId: string,
  op: ChatOpContent,
): Promise<void> {
  const adapter = adapterOf(channels, to.channelType);
  if (op.op === 'edit') {
    if (!adapter.edit) throw new Error(`channel ${to.channelType} cannot edit messages`);
    await adapter.edit(to, platformMessageId, op.text);
  } else {
    if (!adapter.react) throw new Error(`channel ${to.channelType} cannot add reactions`);
    await adapter.react(to, platformMessageId, op.emoji);
  }
}
