import { describe, expect, it } from 'vitest';
import { DISCORD_LIMIT, escapeText, formatDiscord } from './format.js';

const one = (md: string): string => {
  const chunks = formatDiscord(md);
  expect(chunks).toHaveLength(1);
  return chunks[0]!;
};

/** Whether every ``` fence in a chunk is closed. */
const fencesBalanced = (chunk: string): boolean => (chunk.match(/^```/gm) ?? []).length % 2 === 0;

describe('Markdown → Discord', () => {
  it('keeps the markup the agent meant', () => {
    expect(one('**bold** *it* ~~gone~~ `code`')).toBe('**bold** *it* ~~gone~~ `code`');
    expect(one('a [link](https://example.com/x) and https://example.com/a_b')).toBe(
      'a [link](https://example.com/x) and https://example.com/a_b',
    );
    expect(one('```ts\nconst a = 1;\n```')).toBe('```ts\nconst a = 1;\n```');
    expect(one('> quoted\n> more')).toBe('> quoted\nmore'.replace('\n', '\n> '));
  });

  it("turns CommonMark's __bold__ into ** (Discord's __ is underline)", () => {
    expect(one('__strong__')).toBe('**strong**');
  });

  it('escapes text that Discord would read as markup', () => {
    expect(one('a_b_c and ||not a spoiler|| and 2 * 3 * 4')).toBe(
      'a\\_b\\_c and \\|\\|not a spoiler\\|\\| and 2 \\* 3 \\* 4',
    );
    expect(one('\\# not a heading')).toBe('\\# not a heading');
    expect(one('\\- not a list')).toBe('\\- not a list');
    expect(escapeText('1. x\n-# small')).toBe('1\\. x\n\\-# small');
  });

  it('renders headings, lists and tables in what Discord supports', () => {
    expect(one('# Title\n\n#### Deep')).toBe('# Title\n\n**Deep**');
    expect(one('- a\n- b\n  1. c')).toBe('- a\n- b\n  1. c');
    expect(one('| a | b |\n|---|---|\n| 1 | 2 |')).toBe('```\n| a | b |\n|---|---|\n| 1 | 2 |\n```');
  });

  it('uses a longer code span when the code holds backticks', () => {
    expect(one('``a`b``')).toBe('``a`b``');
  });

  it('returns no message for empty text', () => {
    expect(formatDiscord('')).toEqual([]);
  });
});

describe('splitting at 2000 characters', () => {
  it('keeps short paragraphs together and cuts between them', () => {
    const para = 'word '.repeat(150).trim(); // 749 characters
    const chunks = formatDiscord([para, para, para, para].join('\n\n'));
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c.length <= DISCORD_LIMIT)).toBe(true);
    expect(chunks[0]).toBe(`${para}\n\n${para}`);
  });

  it('closes and reopens a long code block in every chunk, with its language', () => {
    const code = Array.from({ length: 300 }, (_, i) => `line ${i} of the program`).join('\n');
    const chunks = formatDiscord(`intro\n\n\`\`\`py\n${code}\n\`\`\``);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(DISCORD_LIMIT);
      expect(fencesBalanced(c)).toBe(true);
    }
    expect(chunks.slice(1).every((c) => c.startsWith('```py\n') && c.endsWith('\n```'))).toBe(true);
    const lines = chunks
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('line '));
    expect(lines).toHaveLength(300);
  });

  it('never cuts an escape or a bold span apart in one long paragraph', () => {
    const text = Array.from({ length: 400 }, (_, i) => `**b${i}** a_b`).join(' ');
    const chunks = formatDiscord(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(DISCORD_LIMIT);
      expect((c.match(/\*\*/g) ?? []).length % 2).toBe(0);
      expect(c).not.toMatch(/\\$/);
      expect(c).not.toMatch(/(^|[^\\])_/);
    }
  });
});
