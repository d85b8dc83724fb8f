import { describe, expect, it } from 'vitest';
import { telegramReaction } from './reactions.js';

describe('telegramReaction', () => {
  it('accepts Telegram reaction emoji, with or without the variation selector', () => {
    expect(telegramReaction('👍')).toBe('👍');
    expect(telegramReaction('❤️')).toBe('❤');
    expect(telegramReaction('❤️‍🔥')).toBe('❤‍🔥');
  });

  it('refuses an emoji Telegram does not allow, naming it', () => {
    expect(() => telegramReaction('🦀')).toThrow(/Telegram does not allow "🦀" as a reaction/);
    expect(() => telegramReaction('ok')).toThrow(/does not allow/);
  });
});
