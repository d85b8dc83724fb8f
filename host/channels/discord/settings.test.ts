import { describe, expect, it } from 'vitest';
import { channelInstances } from '../channel-instance.js';
import { parseDiscordSettings } from './settings.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.ghijklmnopqrstuvwxyz';

describe('Discord settings', () => {
  it('reads the token and the REST base, defaulting to discord.com', () => {
    const [def, named] = channelInstances({
      DISCORD_BOT_TOKEN: TOKEN,
      DISCORD_BOT_TOKEN_SUPPORT: TOKEN,
      DISCORD_API_URL_SUPPORT: 'http://127.0.0.1:9/api/',
    });
    expect(parseDiscordSettings(def!)).toEqual({
      token: TOKEN,
      apiUrl: 'https://discord.com/api',
      tokenKey: 'DISCORD_BOT_TOKEN',
    });
    expect(parseDiscordSettings(named!)).toEqual({
      token: TOKEN,
      apiUrl: 'http://127.0.0.1:9/api',
      tokenKey: 'DISCORD_BOT_TOKEN_SUPPORT',
    });
  });

  it('names the variable, never the value, when a setting is bad', () => {
    const [bad] = channelInstances({ DISCORD_BOT_TOKEN_OPS: 'short secret' });
    expect(() => parseDiscordSettings(bad!)).toThrow(/^DISCORD_BOT_TOKEN_OPS: /);
    expect(() => parseDiscordSettings(bad!)).not.toThrow(/short secret/);
    const [badUrl] = channelInstances({ DISCORD_BOT_TOKEN: TOKEN, DISCORD_API_URL: 'not a url' });
    expect(() => parseDiscordSettings(badUrl!)).toThrow(/^DISCORD_API_URL: /);
  });
});
