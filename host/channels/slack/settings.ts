/**
 * A Slack bot's settings from its ChannelInstance (`SLACK_<KEY>[_<NAME>]`): BOT_TOKEN (xoxb-) always, and exactly
 * one way in: APP_TOKEN (xapp-, Socket Mode) or SIGNING_SECRET (Events API over the host's webhook listener).
 * API_URL points the Web API elsewhere (tests). Every error names the environment variable to fix.
 */
import { z } from 'zod';
import type { ChannelInstance } from '../channel-instance.js';

const SlackEnv = z.object({
  BOT_TOKEN: z.string().regex(/^xoxb-\S+$/, 'must be a bot token (xoxb-…)'),
  APP_TOKEN: z
    .string()
    .regex(/^xapp-\S+$/, 'must be an app-level token (xapp-…) with connections:write')
    .optional(),
  SIGNING_SECRET: z.string().min(16, 'must be the app signing secret').optional(),
  API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
});

export type SlackSettings = {
  botToken: string;
  /** The Web API base, ending in `/`. */
  apiUrl: string;
} & ({ mode: 'socket'; appToken: string } | { mode: 'webhook'; signingSecret: string });

const DEFAULT_API_URL = 'https://slack.com/api/';

export function slackSettings(instance: ChannelInstance): SlackSettings {
  const parsed = SlackEnv.safeParse(instance.settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${instance.envKey(String(issue.path[0] ?? 'BOT_TOKEN'))}: ${issue.message}`);
  }
  const { BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, API_URL } = parsed.data;
  const apiUrl = (API_URL ?? DEFAULT_API_URL).replace(/\/*$/, '/');
  if (APP_TOKEN && SIGNING_SECRET)
    throw new Error(
      `${instance.envKey('APP_TOKEN')} and ${instance.envKey('SIGNING_SECRET')}: set only one (Socket Mode or the Events API over HTTP)`,
    );
  if (APP_TOKEN) return { mode: 'socket', botToken: BOT_TOKEN, appToken: APP_TOKEN, apiUrl };
  if (SIGNING_SECRET) return { mode: 'webhook', botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl };
  throw new Error(
    `${instance.envKey('APP_TOKEN')} or ${instance.envKey('SIGNING_SECRET')}: one is required (Socket Mode or the Events API over HTTP)`,
  );
}
