/**
 * The chat adapter init-first-agent opens the person's DM with, built from the environment exactly as the host
 * builds it (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN_<NAME>, …).
 *
 * Invariants:
 * - Only the requested channel's bot is built. It is connected only where its openDM needs a live client
 *   (discord.js opens DMs through its gateway client; Slack's Web API and Telegram need no connection), and then
 *   with a sink that takes nothing: Discord sends every gateway connection the same events, so the host misses
 *   nothing, and the connection is closed as soon as the DM is known.
 * - A channel without a configured bot is a configuration error naming what to set.
 */
import type { Logger } from 'pino';
import type { ChannelAdapter, InboundSink } from '../../host/channels/adapter.js';
import { createChannels } from '../../host/channels/create-channels.js';
import { ConfigError, type HostConfig } from '../../host/config.js';

const NEEDS_CONNECTION = new Set(['discord']);

const TAKES_NOTHING: InboundSink = {
  onMessage: () => Promise.resolve({ delivered: 0, dropped: 'init-first-agent takes no messages' }),
  onAction: () => Promise.resolve('no_such_question'),
};

/** The variable that configures a channel's bot: `telegram-support` → TELEGRAM_BOT_TOKEN_SUPPORT. */
function tokenVariable(channel: string): string {
  const [platform, ...name] = channel.toUpperCase().split('-');
  return `${platform}_BOT_TOKEN${name.length ? `_${name.join('_')}` : ''}`;
}

export async function withDmAdapter<T>(
  config: HostConfig,
  channel: string,
  log: Logger,
  fn: (adapter: ChannelAdapter) => Promise<T>,
): Promise<T> {
  const instance = config.channels.find((c) => c.channelType === channel);
  if (!instance) {
    const configured = config.channels.map((c) => c.channelType).join(', ') || 'none';
    throw new ConfigError(
      `--channel ${channel}: no bot is configured for "${channel}" in this environment (configured: ` +
        `${configured}); set ${tokenVariable(channel)} as the host has it, or give --platform-id <dm chat id>`,
    );
  }
  const [adapter] = await createChannels([instance], log);
  if (!NEEDS_CONNECTION.has(instance.platform)) return fn(adapter!);
  await adapter!.start(TAKES_NOTHING);
  try {
    return await fn(adapter!);
  } finally {
    await adapter!.stop();
  }
}
