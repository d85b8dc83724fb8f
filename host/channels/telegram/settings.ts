/**
 * A Telegram bot's settings, from its ChannelInstance (env TELEGRAM_<KEY>[_<NAME>]).
 *
 * Invariants: a bad or missing value fails with the env variable's name (`TELEGRAM_BOT_TOKEN_SUPPORT: …`) and
 * never with the value itself; webhook mode (WEBHOOK_URL) always has a secret, so no unauthenticated request is
 * ever routed, and its URL ends with the path the host serves the bot at (`/webhooks/<channelType>`).
 */
import { z } from 'zod';
import type { ChannelInstance } from '../channel-instance.js';

const Settings = z.object({
  BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'must be a bot token from @BotFather ("<digits>:<key>")'),
  API_ROOT: z
    .url()
    .default('https://api.telegram.org')
    .transform((u) => u.replace(/\/+$/, '')),
  WEBHOOK_URL: z.url().optional(),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
});

export interface TelegramSettings {
  token: string;
  apiRoot: string;
  /** Webhook mode when set; long polling otherwise. */
  webhook: { url: string; secret: string } | null;
}

export function parseTelegramSettings(instance: ChannelInstance): TelegramSettings {
  const parsed = Settings.safeParse(instance.settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? 'BOT_TOKEN');
    throw new Error(`${instance.envKey(key)}: ${issue.message}`);
  }
  const s = parsed.data;
  const path = `/webhooks/${instance.channelType}`;
  // Also catches a named bot inheriting the default bot's URL (WEBHOOK_URL is not a secret, so it is inherited).
  if (s.WEBHOOK_URL && !new URL(s.WEBHOOK_URL).pathname.endsWith(path))
    throw new Error(
      `${instance.envKey('WEBHOOK_URL')}: must end with ${path}, where the host serves this bot`,
    );
  if (s.WEBHOOK_URL && !s.WEBHOOK_SECRET)
    throw new Error(
      `${instance.envKey('WEBHOOK_SECRET')}: required when ${instance.envKey('WEBHOOK_URL')} is set`,
    );
  return {
    token: s.BOT_TOKEN,
    apiRoot: s.API_ROOT,
    webhook: s.WEBHOOK_URL ? { url: s.WEBHOOK_URL, secret: s.WEBHOOK_SECRET! } : null,
  };
}
