import { describe, expect, it } from 'vitest';
import { splitText } from './split-text.js';

describe('splitText', () => {
  it('keeps a short message whole', () => {
    expect(splitText('hello', 10)).toEqual(['hello']);
  });

  it('cuts at a paragraph break before a line break or a space', () => {
    const text = `${'a'.repeat(30)}\n\n${'b'.repeat(20)}\n${'c'.repeat(10)}`;
    expect(splitText(text, 60)).toEqual(['a'.repeat(30), `${'b'.repeat(20)}\n${'c'.repeat(10)}`]);
  });

  it('cuts at a line break when no paragraph fits', () => {
    const text = `${'a'.repeat(30)}\n${'b'.repeat(30)}`;
    expect(splitText(text, 40)).toEqual(['a'.repeat(30), 'b'.repeat(30)]);
  });

  it('cuts at a space, and inside a word only when there is no space', () => {
    expect(splitText('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never splits a surrogate pair', () => {
    const chunks = splitText('😀'.repeat(5), 3);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(3);
      expect(c).toMatch(/^(?:😀)+$/u);
    }
    expect(chunks.join('')).toBe('😀'.repeat(5));
  });

  it('keeps every chunk within the limit for any text', () => {
    const words = Array.from({ length: 500 }, (_, i) =>
      i % 7 === 0 ? '\n\n' : i % 5 === 0 ? '\n' : 'w'.repeat(i % 13),
    );
    const text = words.join(' ');
    for (const limit of [16, 50, 200]) {
      const chunks = splitText(text, limit);
      for (const c of chunks) {
        expect(c.length).toBeGreaterThan(0);
        expect(c.length).toBeLessThanOrEqual(limit);
      }
      expect(chunks.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    }
  });
});
