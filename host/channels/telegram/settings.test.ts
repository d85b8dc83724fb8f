import { describe, expect, it } from 'vitest';
import { channelInstances } from '../channel-instance.js';
import { parseTelegramSettings } from './settings.js';

const instance = (env: Record<string, string>) => channelInstances(env)[0]!;

describe('parseTelegramSettings', () => {
  it('defaults to long polling against api.telegram.org', () => {
    expect(parseTelegramSettings(instance({ TELEGRAM_BOT_TOKEN: '123:abc' }))).toEqual({
      token: '123:abc',
      apiRoot: 'https://api.telegram.org',
      webhook: null,
    });
  });

  it('takes API_ROOT without a trailing slash and webhook settings of a named bot', () => {
    const s = parseTelegramSettings(
      instance({
        TELEGRAM_BOT_TOKEN_OPS: '9:k',
        TELEGRAM_API_ROOT: 'http://127.0.0.1:9/',
        TELEGRAM_WEBHOOK_URL_OPS: 'https://bot.example/webhooks/telegram-ops',
        TELEGRAM_WEBHOOK_SECRET_OPS: 's3cret',
      }),
    );
    expect(s).toEqual({
      token: '9:k',
      apiRoot: 'http://127.0.0.1:9',
      webhook: { url: 'https://bot.example/webhooks/telegram-ops', secret: 's3cret' },
    });
  });

  it('names the env variable of a bad token without echoing the value', () => {
    expect(() => parseTelegramSettings(instance({ TELEGRAM_BOT_TOKEN_OPS: 'not-a-token' }))).toThrow(
      /^TELEGRAM_BOT_TOKEN_OPS: must be a bot token/,
    );
    try {
      parseTelegramSettings(instance({ TELEGRAM_BOT_TOKEN: 'not-a-token' }));
    } catch (err) {
      expect((err as Error).message).not.toContain('not-a-token');
    }
  });

  it('never gives a named bot the default bot’s webhook URL', () => {
    const s = parseTelegramSettings(
      instance({
        TELEGRAM_BOT_TOKEN_OPS: '9:k',
        TELEGRAM_WEBHOOK_URL: 'https://bot.example/webhooks/telegram',
        TELEGRAM_WEBHOOK_SECRET: 's',
      }),
    );
    expect(s.webhook).toBeNull();
  });

  it('refuses a webhook URL that is not where the host serves this bot', () => {
    expect(() =>
      parseTelegramSettings(
        instance({
          TELEGRAM_BOT_TOKEN_OPS: '9:k',
          TELEGRAM_WEBHOOK_URL_OPS: 'https://bot.example/webhooks/telegram',
          TELEGRAM_WEBHOOK_SECRET_OPS: 's',
        }),
      ),
    ).toThrow(
      'TELEGRAM_WEBHOOK_URL_OPS: must end with /webhooks/telegram-ops, where the host serves this bot',
    );
  });

  it('requires a webhook secret in webhook mode', () => {
    expect(() =>
      parseTelegramSettings(
        instance({ TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_WEBHOOK_URL: 'https://x/webhooks/telegram' }),
      ),
    ).toThrow('TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set');
    expect(() =>
      parseTelegramSettings(
        instance({
          TELEGRAM_BOT_TOKEN: '1:a',
          TELEGRAM_WEBHOOK_URL: 'https://x/webhooks/telegram',
          TELEGRAM_WEBHOOK_SECRET: 'a b',
        }),
      ),
    ).toThrow(/^TELEGRAM_WEBHOOK_SECRET: must be 1-256/);
    expect(() =>
      parseTelegramSettings(instance({ TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_API_ROOT: 'nope' })),
    ).toThrow(/^TELEGRAM_API_ROOT:/);
  });
});
