/**
 * A Discord bot's settings, from its ChannelInstance (env DISCORD_<KEY>[_<NAME>]).
 *
 * Invariants: a bad or missing value fails with the env variable's name (`DISCORD_BOT_TOKEN_SUPPORT: …`) and never
 * with the value itself. The gateway URL is never configured: it is what GET /gateway/bot on the REST base says.
 */
import { z } from 'zod';
import type { ChannelInstance } from '../channel-instance.js';

const Settings = z.object({
  BOT_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._-]{20,200}$/, 'must be the bot token from the Developer Portal (Bot → Reset Token)'),
  /** The REST base discord.js appends `/v10/…` to. */
  API_URL: z
    .url()
    .default('https://discord.com/api')
    .transform((u) => u.replace(/\/+$/, '')),
});

export interface DiscordSettings {
  token: string;
  apiUrl: string;
  /** The token's env variable, to name in errors: `DISCORD_BOT_TOKEN_SUPPORT`. */
  tokenKey: string;
}

export function parseDiscordSettings(instance: ChannelInstance): DiscordSettings {
  const parsed = Settings.safeParse(instance.settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? 'BOT_TOKEN');
    throw new Error(`${instance.envKey(key)}: ${issue.message}`);
  }
  return {
    token: parsed.data.BOT_TOKEN,
    apiUrl: parsed.data.API_URL,
    tokenKey: instance.envKey('BOT_TOKEN'),
  };
}
