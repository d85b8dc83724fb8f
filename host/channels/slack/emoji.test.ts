import { describe, expect, it } from 'vitest';
import { slackReactionName } from './emoji.js';

describe('slackReactionName', () => {
  it('maps the common emoji to Slack names', () => {
    expect(slackReactionName('👍')).toBe('thumbsup');
    expect(slackReactionName('✅')).toBe('white_check_mark');
    expect(slackReactionName('👀')).toBe('eyes');
    expect(slackReactionName('🎉')).toBe('tada');
    expect(slackReactionName('🚀')).toBe('rocket');
  });

  it('treats an emoji with and without the variation selector alike', () => {
    expect(slackReactionName('❤️')).toBe('heart');
    expect(slackReactionName('❤')).toBe('heart');
  });

  it('refuses an emoji it cannot name, saying which', () => {
    expect(() => slackReactionName('🦩')).toThrow(/"🦩" is not one of the emoji/);
  });
});
