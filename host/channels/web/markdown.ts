/**
 * Markdown → the safe HTML subset the web chat shows (WebMessage.html), from marked's lexer and a renderer of our
 * own that knows only the tokens below.
 *
 * Invariants:
 * - Every piece of text, attribute and code that reaches the output is HTML-escaped; raw HTML in the source
 *   (block or inline) is shown as text, never interpreted. An unknown token type is rendered as its escaped source.
 * - The only elements produced are p, br, strong, em, del, code, pre, blockquote, ul, ol, li, h3–h6, hr, table
 *   parts and a; the only attributes are a's href/rel/target and ol's start. No images: an image becomes a link.
 * - A link's href is kept only when it parses as an absolute http:, https: or mailto: URL; any other link
 *   (javascript:, data:, relative, unparsable) is rendered as its plain text. Links open with rel="noopener
 *   noreferrer" in a new tab.
 */
import { Lexer, type Token, type Tokens } from 'marked';

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The URL when it is an absolute http, https or mailto URL; null otherwise. */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

export function renderMarkdown(source: string): string {
  return blocks(new Lexer({ gfm: true, breaks: true }).lex(source));
}

function blocks(tokens: Token[]): string {
  return tokens.map(block).join('');
}

function block(t: Token): string {
  switch (t.type) {
    case 'space':
      return '';
    case 'paragraph':
      return `<p>${inline((t as Tokens.Paragraph).tokens)}</p>`;
    case 'heading': {
      // h1/h2 would shout inside a chat bubble: headings start at h3.
      const level = Math.min(6, (t as Tokens.Heading).depth + 2);
      return `<h${level}>${inline((t as Tokens.Heading).tokens)}</h${level}>`;
    }
    case 'code':
      return `<pre><code>${escapeHtml((t as Tokens.Code).text)}</code></pre>`;
    case 'blockquote':
      return `<blockquote>${blocks((t as Tokens.Blockquote).tokens)}</blockquote>`;
    case 'list': {
      const list = t as Tokens.List;
      const items = list.items.map((i) => `<li>${listItem(i)}</li>`).join('');
      if (!list.ordered) return `<ul>${items}</ul>`;
      const start = typeof list.start === 'number' && list.start !== 1 ? ` start="${list.start}"` : '';
      return `<ol${start}>${items}</ol>`;
    }
    case 'hr':
      return '<hr>';
    case 'table': {
      const table = t as Tokens.Table;
      const head = table.header.map((c) => `<th>${inline(c.tokens)}</th>`).join('');
      const rows = table.rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c.tokens)}</td>`).join('')}</tr>`);
      return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
    }
    case 'text': {
      const text = t as Tokens.Text;
      return `<p>${text.tokens ? inline(text.tokens) : escapeHtml(text.text)}</p>`;
    }
    default:
      // html blocks and anything this renderer does not know: the source, as text.
      return `<p>${escapeHtml(t.raw)}</p>`;
  }
}

/** A tight list item's text tokens are inline content, not paragraphs. */
function listItem(item: Tokens.ListItem): string {
  return item.tokens
    .map((t) => {
      if (t.type !== 'text') return block(t);
      const text = t as Tokens.Text;
      return text.tokens ? inline(text.tokens) : escapeHtml(text.text);
    })
    .join('');
}

function inline(tokens: Token[] | undefined): string {
  return (tokens ?? []).map(inlineToken).join('');
}

function inlineToken(t: Token): string {
  switch (t.type) {
    case 'text': {
      const text = t as Tokens.Text;
      return text.tokens ? inline(text.tokens) : escapeHtml(text.text);
    }
    case 'escape':
      return escapeHtml((t as Tokens.Escape).text);
    case 'strong':
      return `<strong>${inline((t as Tokens.Strong).tokens)}</strong>`;
    case 'em':
      return `<em>${inline((t as Tokens.Em).tokens)}</em>`;
    case 'del':
      return `<del>${inline((t as Tokens.Del).tokens)}</del>`;
    case 'codespan':
      return `<code>${escapeHtml((t as Tokens.Codespan).text)}</code>`;
    case 'br':
      return '<br>';
    case 'link': {
      const link = t as Tokens.Link;
      return anchor(link.href, inline(link.tokens));
    }
    case 'image': {
      const image = t as Tokens.Image;
      return anchor(image.href, escapeHtml(image.text || image.href));
    }
    default:
      // inline html and anything unknown: the source, as text.
      return escapeHtml(t.raw);
  }
}

function anchor(href: string, content: string): string {
  const safe = safeHref(href);
  if (!safe) return content;
  return `<a href="${escapeHtml(safe)}" rel="noopener noreferrer" target="_blank">${content}</a>`;
}
