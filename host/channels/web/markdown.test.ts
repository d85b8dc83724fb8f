import { describe, expect, it } from 'vitest';
import { renderMarkdown, safeHref } from './markdown.js';

/** Every tag name in the output: the renderer's whole vocabulary is checked against it. */
const tags = (html: string) => [...html.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1]);
const ALLOWED = new Set(
  'p br strong em del code pre blockquote ul ol li h3 h4 h5 h6 hr table thead tbody tr th td a'.split(' '),
);

describe('renderMarkdown', () => {
  it('renders emphasis, code, lists, quotes and clickable links', () => {
    expect(renderMarkdown('**bold** _it_ ~~gone~~ `x<y`')).toBe(
      '<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>x&lt;y</code></p>',
    );
    expect(renderMarkdown('```ts\nconst a = "<b>";\n```')).toBe(
      '<pre><code>const a = &quot;&lt;b&gt;&quot;;</code></pre>',
    );
    expect(renderMarkdown('- one\n- two')).toBe('<ul><li>one</li><li>two</li></ul>');
    expect(renderMarkdown('3. three\n4. four')).toBe('<ol start="3"><li>three</li><li>four</li></ol>');
    expect(renderMarkdown('> quoted')).toBe('<blockquote><p>quoted</p></blockquote>');
    expect(renderMarkdown('see https://example.com/a?b=1&c=2')).toBe(
      '<p>see <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">' +
        'https://example.com/a?b=1&amp;c=2</a></p>',
    );
    expect(renderMarkdown('[mail](mailto:a@example.com)')).toContain('href="mailto:a@example.com"');
    expect(renderMarkdown('line one\nline two')).toBe('<p>line one<br>line two</p>');
    expect(renderMarkdown('# Title')).toBe('<h3>Title</h3>');
  });

  it.each([
    ['an img with onerror', '<img src=x onerror=alert(1)>'],
    ['inline html in a paragraph', 'hi <script>alert(1)</script> there'],
    ['an svg onload', '<svg onload=alert(1)></svg>'],
    ['html inside a list', '- <iframe src="javascript:alert(1)"></iframe>'],
    ['an attribute breakout in a link title', '[x](https://e.com "a\\" onmouseover=\\"alert(1))'],
    ['a quote breakout in an href', '[x](https://e.com/"onmouseover="alert(1))'],
    ['an html comment', '<!-- <script>alert(1)</script> -->'],
  ])('never lets raw HTML through: %s', (_what, source) => {
    const html = renderMarkdown(source);
    for (const tag of tags(html)) expect(ALLOWED.has(tag!), `<${tag}> in ${html}`).toBe(true);
    expect(html).not.toMatch(/<[a-z]+[^>]*\son[a-z]+=/i);
    expect(html).not.toMatch(/<(img|script|svg|iframe)/i);
  });

  it.each([
    ['javascript:', '[click](javascript:alert(1))'],
    ['JavaScript with case and spaces', '[click]( JaVaScRiPt:alert(1))'],
    ['an entity-encoded javascript:', '[click](&#106;avascript:alert(1))'],
    ['data:', '[click](data:text/html,<script>alert(1)</script>)'],
    ['vbscript:', '[click](vbscript:msgbox(1))'],
    ['a relative link', '[click](/api/messages)'],
    ['an autolinked javascript:', '<javascript:alert(1)>'],
  ])('renders a %s link as text, not as a link', (_what, source) => {
    const html = renderMarkdown(source);
    expect(html).not.toContain('<a ');
    expect(html).not.toMatch(/href=/);
  });

  it('turns an image into a link to it (no request from the page), and drops an unsafe one', () => {
    expect(renderMarkdown('![cat](https://e.com/c.png)')).toBe(
      '<p><a href="https://e.com/c.png" rel="noopener noreferrer" target="_blank">cat</a></p>',
    );
    expect(renderMarkdown('![x](javascript:alert(1))')).toBe('<p>x</p>');
  });

  it('renders a table with escaped cells', () => {
    expect(renderMarkdown('| a | <b> |\n|---|---|\n| 1 | 2 |')).toBe(
      '<table><thead><tr><th>a</th><th>&lt;b&gt;</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>',
    );
  });
});

describe('safeHref', () => {
  it('keeps absolute http, https and mailto URLs only', () => {
    expect(safeHref('https://e.com')).toBe('https://e.com/');
    expect(safeHref('http://e.com/x')).toBe('http://e.com/x');
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    for (const bad of ['javascript:alert(1)', 'data:,x', 'ftp://e.com', '/relative', 'e.com', ''])
      expect(safeHref(bad)).toBeNull();
  });
});
