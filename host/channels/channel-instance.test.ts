import { describe, expect, it } from 'vitest';
import { channelInstances } from './channel-instance.js';

describe('channelInstances', () => {
  it('finds no channel when no bot token is set', () => {
    expect(channelInstances({ TELEGRAM_API_ROOT: 'http://x' })).toEqual([]);
  });

  it('configures the default bot from <PLATFORM>_BOT_TOKEN with its other keys', () => {
    const [tg] = channelInstances({ TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_API_ROOT: 'http://127.0.0.1:1' });
    expect(tg).toMatchObject({
      platform: 'telegram',
      name: null,
      channelType: 'telegram',
      settings: { BOT_TOKEN: '1:a', API_ROOT: 'http://127.0.0.1:1' },
    });
    expect(tg!.envKey('API_ROOT')).toBe('TELEGRAM_API_ROOT');
  });

  it('configures named bots that share the API address but never a token, secret or webhook URL', () => {
    const found = channelInstances({
      SLACK_BOT_TOKEN: 'xoxb-default',
      SLACK_SIGNING_SECRET: 'default-secret',
      SLACK_API_URL: 'http://127.0.0.1:2/api/',
      SLACK_WEBHOOK_URL: 'https://example.com/webhooks/slack',
      SLACK_BOT_TOKEN_SUPPORT_TEAM: 'xoxb-support',
      SLACK_APP_TOKEN_SUPPORT_TEAM: 'xapp-support',
      DISCORD_BOT_TOKEN_OPS: 'd-ops',
    });
    expect(found.map((i) => i.channelType)).toEqual(['discord-ops', 'slack', 'slack-support-team']);
    const support = found[2]!;
    expect(support.settings).toEqual({
      BOT_TOKEN: 'xoxb-support',
      APP_TOKEN: 'xapp-support',
      API_URL: 'http://127.0.0.1:2/api/',
    });
    expect(support.envKey('APP_TOKEN')).toBe('SLACK_APP_TOKEN_SUPPORT_TEAM');
    expect(found[1]!.settings).toEqual({
      BOT_TOKEN: 'xoxb-default',
      SIGNING_SECRET: 'default-secret',
      API_URL: 'http://127.0.0.1:2/api/',
      WEBHOOK_URL: 'https://example.com/webhooks/slack',
    });
  });

  it('ignores an empty token', () => {
    expect(channelInstances({ DISCORD_BOT_TOKEN: '' })).toEqual([]);
  });
});
