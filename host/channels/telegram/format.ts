/**
 * The agent's Markdown → Telegram's HTML parse mode, split into messages Telegram accepts.
 *
 * Invariants:
 * - Every `&`, `<` and `>` of the source text reaches Telegram escaped (`&amp;`, `&lt;`, `&gt;`; `"` too inside
 *   an attribute); the only tags emitted are Telegram's (b, i, s, code, pre, a, blockquote), always balanced.
 *   Raw HTML in the Markdown is shown as text, never passed through.
 * - Links keep only http(s), mailto and tg URLs; any other scheme is shown as its text.
 * - `formatChunks` returns chunks of at most `limit` UTF-16 units AFTER formatting, each formatted on its own
 *   (blocks are packed whole; an oversized block is split in its source and every piece formatted again), so a
 *   split never falls inside a tag or an entity.
 */
import { marked, type Token, type Tokens } from 'marked';
import { splitText } from '../split-text.js';

const TELEGRAM_TEXT_LIMIT = 4096;
const SAFE_HREF = /^(https?:|mailto:|tg:)/i;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

function inline(tokens: Token[] | undefined): string {
  return (tokens ?? []).map(inlineToken).join('');
}

function inlineToken(t: Token): string {
  switch (t.type) {
    case 'strong':
      return `<b>${inline((t as Tokens.Strong).tokens)}</b>`;
    case 'em':
      return `<i>${inline((t as Tokens.Em).tokens)}</i>`;
    case 'del':
      return `<s>${inline((t as Tokens.Del).tokens)}</s>`;
    case 'codespan':
      return `<code>${escapeHtml((t as Tokens.Codespan).text)}</code>`;
    case 'br':
      return '\n';
    case 'link': {
      const link = t as Tokens.Link;
      const text = inline(link.tokens);
      return SAFE_HREF.test(link.href) ? `<a href="${escapeAttr(link.href)}">${text}</a>` : text;
    }
    case 'image': {
      const img = t as Tokens.Image;
      const label = escapeHtml(img.text || img.href);
      return SAFE_HREF.test(img.href) ? `<a href="${escapeAttr(img.href)}">${label}</a>` : label;
    }
    case 'text': {
      const text = t as Tokens.Text;
      return text.tokens ? inline(text.tokens) : escapeHtml(text.text);
    }
    default:
      // escape, html and anything unknown: shown as the text it is.
      return escapeHtml('text' in t && typeof t.text === 'string' ? t.text : t.raw);
  }
}

function list(l: Tokens.List, depth: number): string {
  const indent = '  '.repeat(depth);
  const start = typeof l.start === 'number' ? l.start : 1;
  return l.items
    .map((item, i) => {
      const bullet = l.ordered ? `${start + i}.` : '•';
      const check = item.task ? (item.checked ? '☑ ' : '☐ ') : '';
      const parts = item.tokens.map((t) =>
        t.type === 'list' ? `\n${list(t as Tokens.List, depth + 1)}` : block(t, depth + 1),
      );
      return `${indent}${bullet} ${check}${parts.join('').trim()}`;
    })
    .join('\n');
}

function table(t: Tokens.Table): string {
  const row = (cells: Tokens.TableCell[]) => cells.map((c) => c.text).join(' | ');
  return `<pre>${escapeHtml([row(t.header), ...t.rows.map(row)].join('\n'))}</pre>`;
}

function block(t: Token, depth = 0): string {
  switch (t.type) {
    case 'heading':
      return `<b>${inline((t as Tokens.Heading).tokens)}</b>`;
    case 'paragraph':
      return inline((t as Tokens.Paragraph).tokens);
    case 'code': {
      const code = t as Tokens.Code;
      const lang = code.lang?.match(/^[A-Za-z0-9_+-]+/)?.[0];
      const body = escapeHtml(code.text);
      return lang ? `<pre><code class="language-${lang}">${body}</code></pre>` : `<pre>${body}</pre>`;
    }
    case 'blockquote':
      return `<blockquote>${blocks((t as Tokens.Blockquote).tokens)}</blockquote>`;
    case 'list':
      return list(t as Tokens.List, depth);
    case 'table':
      return table(t as Tokens.Table);
    case 'hr':
      return '———';
    case 'space':
      return '';
    case 'text': {
      const text = t as Tokens.Text;
      return text.tokens ? inline(text.tokens) : escapeHtml(text.text);
    }
    default:
      return escapeHtml(t.raw);
  }
}

function blocks(tokens: Token[]): string {
  return tokens
    .map((t) => block(t))
    .filter((s) => s !== '')
    .join('\n\n');
}

/** One Markdown text as Telegram HTML (no length limit). */
export function markdownToTelegramHtml(markdown: string): string {
  return blocks(marked.lexer(markdown)).trim();
}

/** Formats one top-level block, splitting its source until every piece fits. */
function fitBlock(token: Token, limit: number): string[] {
  const html = block(token).trim();
  if (html.length <= limit) return html ? [html] : [];
  if (token.type === 'code') {
    // Split the code itself, so every piece stays a code block.
    const code = token as Tokens.Code;
    return splitText(code.text, Math.max(16, Math.floor(code.text.length / 2))).flatMap((piece) =>
      fitBlock({ ...code, text: piece, raw: piece }, limit),
    );
  }
  const source = token.raw.trim();
  const pieces = splitText(source, Math.max(16, Math.floor(source.length / 2)));
  if (pieces.length < 2)
    throw new Error(`a Markdown block of ${source.length} characters does not fit ${limit} after formatting`);
  return pieces.flatMap((piece) => fitSource(piece, limit));
}

function fitSource(markdown: string, limit: number): string[] {
  return marked
    .lexer(markdown)
    .filter((t) => t.type !== 'space')
    .flatMap((t) => fitBlock(t, limit));
}

/** Markdown → Telegram HTML messages of at most `limit` characters each (after formatting). */
export function formatChunks(markdown: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const piece of fitSource(markdown, limit)) {
    if (current && current.length + 2 + piece.length <= limit) current += `\n\n${piece}`;
    else {
      if (current) chunks.push(current);
      current = piece;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}
