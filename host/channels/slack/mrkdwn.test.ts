import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, mrkdwnChunks, toMrkdwn } from './mrkdwn.js';

describe('toMrkdwn', () => {
  it('converts bold, italic, strike, code and pre', () => {
    expect(toMrkdwn('**bold** and _it_ and ~~gone~~ and `x`')).toBe('*bold* and _it_ and ~gone~ and `x`');
    expect(toMrkdwn('```js\nconst a = 1;\n```')).toBe('```\nconst a = 1;\n```');
  });

  it('escapes & < > in text, code and pre', () => {
    expect(toMrkdwn('a & b <c> `x<y>`')).toBe('a &amp; b &lt;c&gt; `x&lt;y&gt;`');
    expect(toMrkdwn('```\nif (a < b && c > d) {}\n```')).toBe(
      '```\nif (a &lt; b &amp;&amp; c &gt; d) {}\n```',
    );
  });

  it('never lets the agent write a Slack control sequence', () => {
    const out = toMrkdwn('<!channel> hi <@U123> and <https://evil.example|bank>');
    expect(out).not.toMatch(/<[!@h]/);
    expect(out).toContain('&lt;!channel&gt;');
  });

  it('turns Markdown links into <url|text> and bare URLs into <url>', () => {
    expect(toMrkdwn('[the docs](https://x.example/a?b=1&c=2)')).toBe(
      '<https://x.example/a?b=1&amp;c=2|the docs>',
    );
    expect(toMrkdwn('see https://x.example/p')).toBe('see <https://x.example/p>');
    expect(toMrkdwn('[a|b](https://x.example/a|b)')).toBe('<https://x.example/a%7Cb|a|b>');
  });

  it('renders headings, lists, quotes and rules as mrkdwn', () => {
    expect(toMrkdwn('# Title\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n---')).toBe(
      '*Title*\n\n• one\n• two\n\n1. first\n2. second\n\n> quoted\n\n———',
    );
  });
});

describe('escapeMrkdwn', () => {
  it('escapes exactly the three characters Slack reserves', () => {
    expect(escapeMrkdwn('&<>*_~`')).toBe('&amp;&lt;&gt;*_~`');
  });
});

describe('mrkdwnChunks', () => {
  it('keeps a short message in one chunk', () => {
    expect(mrkdwnChunks('**hi**')).toEqual(['*hi*']);
  });

  it('splits long text on paragraph breaks into chunks of at most the limit', () => {
    const para = 'word '.repeat(100).trim();
    const chunks = mrkdwnChunks(Array.from({ length: 20 }, () => para).join('\n\n'), 3000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(3000);
    expect(chunks.join('\n\n').split('word').length - 1).toBe(2000);
  });

  it('never cuts inside an escape, even when escaping makes the text grow past the limit', () => {
    const chunks = mrkdwnChunks('& '.repeat(2500), 3000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(3000);
      expect(c.replace(/&amp;/g, '')).not.toContain('&');
    }
    expect(chunks.join(' ').match(/&amp;/g)).toHaveLength(2500);
  });

  it('closes and reopens a code block that is cut in two', () => {
    const code = Array.from({ length: 400 }, (_, i) => `line ${i} <tag>`).join('\n');
    const chunks = mrkdwnChunks('intro\n\n```\n' + code + '\n```', 3000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks.slice(1)) {
      expect(c.startsWith('```')).toBe(true);
      expect(c.endsWith('```')).toBe(true);
      expect(c.length).toBeLessThanOrEqual(3000);
    }
    expect(chunks.join('\n')).toContain('line 399 &lt;tag&gt;');
  });
});
