import { describe, expect, it } from 'vitest';
import { channelInstances } from '../channel-instance.js';
import { slackSettings } from './settings.js';

const one = (env: Record<string, string>) => slackSettings(channelInstances(env)[0]!);
const secret = 'abcdef0123456789abcdef';

describe('slackSettings', () => {
  it('reads Socket Mode settings with the default API URL', () => {
    expect(one({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual({
      mode: 'socket',
      botToken: 'xoxb-1',
      appToken: 'xapp-1',
      apiUrl: 'https://slack.com/api/',
    });
  });

  it('reads Events API settings and normalises the API URL to end in a slash', () => {
    expect(
      one({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: secret,
        SLACK_API_URL: 'http://127.0.0.1:9/api',
      }),
    ).toEqual({
      mode: 'webhook',
      botToken: 'xoxb-1',
      signingSecret: secret,
      apiUrl: 'http://127.0.0.1:9/api/',
    });
  });

  it('names both keys when neither or both ways in are set', () => {
    expect(() => one({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      'SLACK_APP_TOKEN or SLACK_SIGNING_SECRET: one is required',
    );
    expect(() =>
      one({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: secret }),
    ).toThrow('SLACK_APP_TOKEN and SLACK_SIGNING_SECRET: set only one');
  });

  it('names the offending variable of a named instance', () => {
    expect(() => one({ SLACK_BOT_TOKEN_OPS: 'xoxp-user', SLACK_APP_TOKEN_OPS: 'xapp-1' })).toThrow(
      'SLACK_BOT_TOKEN_OPS: must be a bot token',
    );
    expect(() => one({ SLACK_BOT_TOKEN_OPS: 'xoxb-1', SLACK_APP_TOKEN_OPS: 'xoxb-2' })).toThrow(
      'SLACK_APP_TOKEN_OPS: must be an app-level token',
    );
    expect(() =>
      one({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'ftp://x' }),
    ).toThrow('SLACK_API_URL: must be an http(s) URL');
  });
});
