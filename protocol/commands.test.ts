import { describe, expect, it } from 'vitest';
import { slashCommandOf } from './commands.js';

describe('slash commands', () => {
  it.each([
    ['/clear', '/clear'],
    ['  /Compact now', '/compact'],
    ['/clear@my_bot', '/clear'],
    ['hello /clear', null],
    ['/', null],
    ['//x', null],
  ])('%j → %j', (text, cmd) => {
    expect(slashCommandOf(text)).toBe(cmd);
  });
});
