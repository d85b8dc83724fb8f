import { describe, expect, it } from 'vitest';
import { escapeHtml, formatChunks, markdownToTelegramHtml } from './format.js';

/** Tags balanced and only Telegram's; every `&` starts an entity; no bare `<`/`>` outside tags. */
function assertValidTelegramHtml(html: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)>|&(?:amp|lt|gt|quot);|[<>&]/g;
  for (const m of html.matchAll(re)) {
    if (!m[2]) {
      if (m[0].length === 1) throw new Error(`bare ${m[0]} in ${html}`);
      continue;
    }
    expect(['b', 'i', 's', 'code', 'pre', 'a', 'blockquote']).toContain(m[2]);
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]);
  }
  expect(stack).toEqual([]);
}

describe('markdownToTelegramHtml', () => {
  it('escapes &, < and > in text, code and code blocks', () => {
    expect(markdownToTelegramHtml('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(markdownToTelegramHtml('`x<y>&`')).toBe('<code>x&lt;y&gt;&amp;</code>');
    expect(markdownToTelegramHtml('```ts\nif (a < b) {}\n```')).toBe(
      '<pre><code class="language-ts">if (a &lt; b) {}</code></pre>',
    );
  });

  it('shows raw HTML in the Markdown as text instead of passing it through', () => {
    expect(markdownToTelegramHtml('hi <b onclick="x">there</b>')).toBe(
      'hi &lt;b onclick="x"&gt;there&lt;/b&gt;',
    );
    expect(markdownToTelegramHtml('<div>block</div>')).toBe('&lt;div&gt;block&lt;/div&gt;');
  });

  it('turns bold, italic, strike, headings, links and quotes into Telegram tags', () => {
    expect(markdownToTelegramHtml('# Title\n\n**b** _i_ ~~s~~ [site](https://x.dev/?a=1&b="2")')).toBe(
      '<b>Title</b>\n\n<b>b</b> <i>i</i> <s>s</s> <a href="https://x.dev/?a=1&amp;b=&quot;2&quot;">site</a>',
    );
    expect(markdownToTelegramHtml('> quoted')).toBe('<blockquote>quoted</blockquote>');
  });

  it('drops links with unsafe schemes, keeping their text', () => {
    expect(markdownToTelegramHtml('[click](javascript:alert(1))')).toBe('click');
  });

  it('renders lists as text bullets, nested lists indented', () => {
    expect(markdownToTelegramHtml('- one\n- two\n  1. first\n  2. second')).toBe(
      '• one\n• two\n  1. first\n  2. second',
    );
  });

  it('renders tables as preformatted text', () => {
    expect(markdownToTelegramHtml('| a | b |\n|---|---|\n| 1 | <2> |')).toBe(
      '<pre>a | b\n1 | &lt;2&gt;</pre>',
    );
  });

  it('keeps a literal backslash-escaped character', () => {
    expect(markdownToTelegramHtml('2 \\* 3')).toBe('2 * 3');
    expect(escapeHtml('<&>')).toBe('&lt;&amp;&gt;');
  });
});

describe('formatChunks', () => {
  it('keeps a short message in one chunk', () => {
    expect(formatChunks('hello **you**')).toEqual(['hello <b>you</b>']);
  });

  it('splits a long text into chunks within the limit after escaping, each valid HTML', () => {
    const para = `${'x & y < z '.repeat(40)}`.trim();
    const text = Array.from({ length: 30 }, () => para).join('\n\n');
    const chunks = formatChunks(text, 1000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(1000);
      assertValidTelegramHtml(c);
    }
    expect(chunks.join('\n\n').replace(/&amp;/g, '&').replace(/&lt;/g, '<')).toBe(text);
  });

  it('splits one oversized paragraph with formatting without breaking a tag', () => {
    const text = Array.from({ length: 400 }, (_, i) => `**w${i}** <&>`).join(' ');
    const chunks = formatChunks(text, 500);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(500);
      assertValidTelegramHtml(c);
    }
  });

  it('splits an oversized code block into code blocks', () => {
    const code = Array.from({ length: 300 }, (_, i) => `line ${i} <tag> & more`).join('\n');
    const chunks = formatChunks(`\`\`\`\n${code}\n\`\`\``, 1000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(1000);
      expect(c).toMatch(/^<pre>[\s\S]*<\/pre>$/);
      assertValidTelegramHtml(c);
    }
  });

  it('gives no chunk for an empty text', () => {
    expect(formatChunks('')).toEqual([]);
    expect(formatChunks('  \n\n ')).toEqual([]);
  });
});
