/**
 * Builds the chat adapters the configuration names: one per configured bot (channel-instance.ts). A bot whose
 * settings are invalid stops the host at start-up with the offending variable named (a ConfigError).
 *
 * Invariant: a platform's SDK (grammY, discord.js, Bolt) is loaded only when a bot of that platform is
 * configured, so a host without that channel pays nothing for it at start.
 */
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import type { ChannelAdapter } from './adapter.js';
import type { ChannelInstance, Platform } from './channel-instance.js';

type AdapterFactory = (instance: ChannelInstance, log: Logger) => ChannelAdapter;

const FACTORIES: Partial<Record<Platform, () => Promise<AdapterFactory>>> = {
  discord: async () => (await import('./discord/adapter.js')).createDiscordAdapter,
  slack: async () => (await import('./slack/slack-adapter.js')).createSlackAdapter,
  telegram: async () => (await import('./telegram/telegram-adapter.js')).createTelegramAdapter,
};

export async function createChannels(
  instances: readonly ChannelInstance[],
  log: Logger,
): Promise<ChannelAdapter[]> {
  const adapters: ChannelAdapter[] = [];
  for (const instance of instances) {
    const load = FACTORIES[instance.platform];
    if (!load)
      throw new ConfigError(
        `${instance.envKey('BOT_TOKEN')}: the ${instance.platform} channel is not built in`,
      );
    const factory = await load();
    try {
      adapters.push(factory(instance, log.child({ channel: instance.channelType })));
    } catch (err) {
      // A factory refuses only its settings; say so as a configuration error (exit code 2).
      throw new ConfigError((err as Error).message, { cause: err });
    }
  }
  return adapters;
}
