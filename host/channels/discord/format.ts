/**
 * The agent's Markdown (CommonMark + GFM, as marked lexes it) → Discord message Markdown, in messages of at most
 * 2000 characters.
 *
 * Invariants:
 * - What the agent marked up stays markup (bold, italic, strike, code, quotes, lists, headings, links); what it
 *   wrote as text stays text: the characters Discord reads as markup (`\ * _ ~ ` | [ ]`, and `# > - +` or `1.`
 *   starting a line) are backslash-escaped, so `__x__`, `||x||` or `# x` in plain text render literally.
 *   CommonMark's `__bold__` becomes `**bold**` (Discord's `__` is underline).
 * - Pings are not this file's concern: every send carries allowed_mentions { parse: [] } (adapter.ts).
 * - Every chunk is at most the limit, and the split never breaks markup: chunks are cut between top-level
 *   blocks; a code block too long for one message is cut between its lines and each part gets its own fences;
 *   any other block too long is cut in its Markdown source between words and each part is formatted on its own.
 */
import { marked, type Token, type Tokens } from 'marked';
import { splitText } from '../split-text.js';

export const DISCORD_LIMIT = 2000;

const INLINE_MARKUP = /[\\*_~`|[\]]/g;
const LINE_START_MARKUP = /^([ \t]*)(#{1,6}|>|-#|[-+])(?=[ \t]|$)/gm;
const LINE_START_NUMBER = /^([ \t]*)(\d+)([.)])(?=[ \t]|$)/gm;

/** Text the agent meant as text, escaped so Discord shows it as written. */
export function escapeText(text: string): string {
  return text
    .replace(INLINE_MARKUP, '\\$&')
    .replace(LINE_START_MARKUP, '$1\\$2')
    .replace(LINE_START_NUMBER, '$1$2\\$3');
}

function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

function fence(lang: string | undefined, code: string): string {
  const safeLang = lang && /^[\w+#.-]{1,20}$/.test(lang) ? lang : '';
  // Discord has no longer fences: a ``` inside the code is broken up with a zero-width space.
  return `\`\`\`${safeLang}\n${code.replace(/```/g, '``\u200b`')}\n\`\`\``;
}

function link(t: Tokens.Link): string {
  const text = inline(t.tokens);
  if (!/^https?:\/\//i.test(t.href))
    return t.text === t.href ? escapeText(t.href) : `${text} (${escapeText(t.href)})`;
  if (t.text === t.href) return t.href;
  return `[${text}](${t.href.replace(/\)/g, '%29').replace(/ /g, '%20')})`;
}

function inline(tokens: Token[] | undefined): string {
  return (tokens ?? []).map(inlineToken).join('');
}

function inlineToken(t: Token): string {
  switch (t.type) {
    case 'text':
      return t.tokens ? inline(t.tokens) : escapeText((t as Tokens.Text).text);
    case 'escape':
      return `\\${(t as Tokens.Escape).text}`;
    case 'strong':
      return `**${inline(t.tokens)}**`;
    case 'em':
      return `*${inline(t.tokens)}*`;
    case 'del':
      return `~~${inline(t.tokens)}~~`;
    case 'codespan':
      return codeSpan((t as Tokens.Codespan).text);
    case 'br':
      return '\n';
    case 'link':
      return link(t as Tokens.Link);
    case 'image': {
      const img = t as Tokens.Image;
      return /^https?:\/\//i.test(img.href)
        ? `[${escapeText(img.text || 'image')}](${img.href})`
        : escapeText(t.raw);
    }
    default:
      return escapeText(t.raw);
  }
}

function indentLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function list(t: Tokens.List): string {
  const start = typeof t.start === 'number' ? t.start : 1;
  return t.items
    .map((item, i) => {
      const marker = t.ordered ? `${start + i}.` : '-';
      const check = item.task ? (item.checked ? '☑ ' : '☐ ') : '';
      const parts = item.tokens.map(block).filter((p): p is string => p !== null && p !== '');
      const [first = '', ...rest] = parts;
      const head = `${marker} ${check}${indentLines(first, '  ').trimStart()}`;
      return [head, ...rest.map((p) => indentLines(p, '  '))].join('\n');
    })
    .join('\n');
}

function block(t: Token): string | null {
  switch (t.type) {
    case 'space':
    case 'def':
    case 'checkbox':
      return null;
    case 'paragraph':
      return inline(t.tokens);
    case 'text':
      return t.tokens ? inline(t.tokens) : escapeText((t as Tokens.Text).text);
    case 'heading': {
      const h = t as Tokens.Heading;
      return h.depth <= 3 ? `${'#'.repeat(h.depth)} ${inline(h.tokens)}` : `**${inline(h.tokens)}**`;
    }
    case 'code':
      return fence((t as Tokens.Code).lang, (t as Tokens.Code).text);
    case 'blockquote':
      return indentLines(blocks(t.tokens ?? []).join('\n\n'), '> ');
    case 'list':
      return list(t as Tokens.List);
    case 'table':
      return fence('', t.raw.trimEnd());
    case 'hr':
      return '───';
    default:
      return escapeText(t.raw.trimEnd());
  }
}

function blocks(tokens: Token[]): string[] {
  return tokens.map(block).filter((b): b is string => b !== null && b !== '');
}

/** One top-level block as Discord text, cut into parts that each fit `limit`. */
function fitBlock(t: Token, limit: number): string[] {
  const whole = block(t);
  if (whole === null || whole === '') return [];
  if (whole.length <= limit) return [whole];
  if (t.type === 'code') {
    const overhead = fence(t.lang as string | undefined, '').length;
    return splitText(t.text as string, limit - overhead).map((part) =>
      fence(t.lang as string | undefined, part),
    );
  }
  const half = Math.floor(limit / 2);
  if (t.raw.length <= half) return splitText(whole, limit); // expanded past the limit by escaping: rare, cut it
  return splitText(t.raw, half).flatMap((part) => marked.lexer(part).flatMap((p) => fitBlock(p, limit)));
}

/** Markdown → Discord-formatted blocks, each at most `limit` characters. */
export function formatBlocks(markdown: string, limit = DISCORD_LIMIT): string[] {
  return marked.lexer(markdown).flatMap((t) => fitBlock(t, limit));
}

/** Packs blocks into as few messages as fit, blank line between blocks. */
export function packChunks(parts: string[], limit = DISCORD_LIMIT): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current && current.length + 2 + part.length <= limit) current += `\n\n${part}`;
    else {
      if (current) chunks.push(current);
      current = part;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Markdown → the Discord messages that carry it (none for empty text). */
export function formatDiscord(markdown: string, limit = DISCORD_LIMIT): string[] {
  return packChunks(formatBlocks(markdown, limit), limit);
}
