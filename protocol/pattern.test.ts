import { describe, expect, it } from 'vitest';
import { PATTERN_TEXT_LIMIT, patternError, patternMatches } from './pattern.js';

describe('engage patterns (RE2)', () => {
  it('matches anywhere in the text, like an unanchored RegExp test', () => {
    expect(patternMatches('^!ask\\b', '!ask why')).toBe(true);
    expect(patternMatches('ello', 'hello')).toBe(true);
    expect(patternMatches('(?i)HELLO', 'hello')).toBe(true);
    expect(patternMatches('^!ask', 'why !ask')).toBe(false);
  });

  it.each(['(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', '('])(
    '%s does not compile and matches nothing',
    (p) => {
      expect(patternError(p)).toBeTypeOf('string');
      expect(patternMatches(p, 'aab')).toBe(false);
    },
  );

  it('a catastrophic pattern on a long text returns at once', () => {
    const started = performance.now();
    expect(patternMatches('(a+)+b', 'a'.repeat(100_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('sees only the first PATTERN_TEXT_LIMIT characters', () => {
    const head = 'x'.repeat(PATTERN_TEXT_LIMIT - 1);
    expect(patternMatches('y$', `${head}y`)).toBe(true);
    expect(patternMatches('y', `${head}xy`)).toBe(false);
  });

  it('never cuts a surrogate pair in half', () => {
    const text = `${'x'.repeat(PATTERN_TEXT_LIMIT - 1)}😀`;
    expect(patternMatches('x$', text)).toBe(true);
    expect(patternMatches('\\x{FFFD}', text)).toBe(false);
  });
});
