/**
 * Builds the chat adapters the configuration names: one per configured bot (channel-instance.ts). A bot whose
 * settings are invalid stops the host at start-up with the offending variable named (a ConfigError).
 */
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import type { ChannelAdapter } from './adapter.js';
import type { ChannelInstance, Platform } from './channel-instance.js';
import { createDiscordAdapter } from './discord/adapter.js';
import { createSlackAdapter } from './slack/slack-adapter.js';
import { createTelegramAdapter } from './telegram/telegram-adapter.js';

type AdapterFactory = (instance: ChannelInstance, log: Logger) => ChannelAdapter;

const FACTORIES: Partial<Record<Platform, AdapterFactory>> = {
  discord: createDiscordAdapter,
  slack: createSlackAdapter,
  telegram: createTelegramAdapter,
};

export function createChannels(instances: readonly ChannelInstance[], log: Logger): ChannelAdapter[] {
  return instances.map((instance) => {
    const factory = FACTORIES[instance.platform];
    if (!factory)
      throw new ConfigError(
        `${instance.envKey('BOT_TOKEN')}: the ${instance.platform} channel is not built in`,
      );
    try {
      return factory(instance, log.child({ channel: instance.channelType }));
    } catch (err) {
      // A factory refuses only its settings; say so as a configuration error (exit code 2).
      throw new ConfigError((err as Error).message, { cause: err });
    }
  });
}
