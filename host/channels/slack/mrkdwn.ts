/**
 * The agent's Markdown → Slack mrkdwn, and mrkdwn chunks that fit a Block Kit section or a message's text.
 *
 * Invariants:
 * - Every `&`, `<` and `>` that came from the agent's text is escaped (`&amp;`, `&lt;`, `&gt;`), in code too, so the
 *   agent can never produce a Slack control sequence (`<!channel>`, `<@U…>`, a disguised `<url|text>` link); the
 *   only `<…>` in the output are links built here from Markdown links.
 * - Chunks are cut from the Markdown source (splitText) and formatted one by one, so a cut never falls inside an
 *   escape or a link; a fenced code block cut in two is closed at the end of one chunk and reopened in the next.
 *   Every chunk is at most `limit` characters after formatting.
 */
import { marked, type Token, type Tokens } from 'marked';
import { splitText } from '../split-text.js';

/** Block Kit's section text limit; Slack's message text limit (40,000) is far above it. */
export const SLACK_TEXT_LIMIT = 3000;

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<url|text>`: the URL escaped like text, `|` (the separator) percent-encoded in it. */
function link(href: string, label: string): string {
  const url = escapeMrkdwn(href).replace(/\|/g, '%7C');
  return label && label !== escapeMrkdwn(href) ? `<${url}|${label}>` : `<${url}>`;
}

function inline(tokens: Token[] | undefined): string {
  return (tokens ?? []).map(inlineToken).join('');
}

function inlineToken(t: Token): string {
  switch (t.type) {
    case 'strong':
      return `*${inline((t as Tokens.Strong).tokens)}*`;
    case 'em':
      return `_${inline((t as Tokens.Em).tokens)}_`;
    case 'del':
      return `~${inline((t as Tokens.Del).tokens)}~`;
    case 'codespan':
      return `\`${escapeMrkdwn((t as Tokens.Codespan).text)}\``;
    case 'br':
      return '\n';
    case 'link': {
      const l = t as Tokens.Link;
      return link(l.href, inline(l.tokens));
    }
    case 'image': {
      const i = t as Tokens.Image;
      return link(i.href, escapeMrkdwn(i.text));
    }
    case 'text': {
      const tx = t as Tokens.Text;
      return tx.tokens ? inline(tx.tokens) : escapeMrkdwn(tx.text);
    }
    case 'escape':
      return escapeMrkdwn((t as Tokens.Escape).text);
    default:
      return escapeMrkdwn(t.raw);
  }
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');
}

function list(l: Tokens.List): string {
  const start = typeof l.start === 'number' ? l.start : 1;
  return l.items
    .map((item, i) => {
      const bullet = l.ordered ? `${start + i}. ` : '• ';
      const task = item.task ? (item.checked ? '☑ ' : '☐ ') : '';
      const body = blocks(item.tokens, '\n');
      const [first = '', ...rest] = body.split('\n');
      return [bullet + task + first, ...rest.map((line) => (line ? '    ' + line : line))].join('\n');
    })
    .join('\n');
}

function blockToken(t: Token): string | null {
  switch (t.type) {
    case 'space':
      return null;
    case 'heading':
      return `*${inline((t as Tokens.Heading).tokens)}*`;
    case 'paragraph':
      return inline((t as Tokens.Paragraph).tokens);
    case 'text': {
      const tx = t as Tokens.Text;
      return tx.tokens ? inline(tx.tokens) : escapeMrkdwn(tx.text);
    }
    case 'code':
      return '```\n' + escapeMrkdwn((t as Tokens.Code).text) + '\n```';
    case 'blockquote':
      return indent(blocks((t as Tokens.Blockquote).tokens, '\n'), '> ');
    case 'list':
      return list(t as Tokens.List);
    case 'hr':
      return '———';
    case 'table': {
      const tb = t as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens)).join(' | ');
      return [`*${row(tb.header)}*`, ...tb.rows.map(row)].join('\n');
    }
    default:
      return escapeMrkdwn(t.raw.replace(/\n+$/, ''));
  }
}

function blocks(tokens: Token[], sep: string): string {
  return tokens
    .map(blockToken)
    .filter((s): s is string => s !== null)
    .join(sep);
}

export function toMrkdwn(markdown: string): string {
  return blocks(marked.lexer(markdown), '\n\n');
}

const FENCE = /^ {0,3}(```|~~~)/;

/** Closes a code fence left open at the end of a source chunk and reopens it at the start of the next. */
function balanceFences(chunks: string[]): string[] {
  const out: string[] = [];
  let carry = '';
  for (const chunk of chunks) {
    const text = carry ? `${carry}\n${chunk}` : chunk;
    const open = text.split('\n').filter((line) => FENCE.test(line)).length % 2 === 1;
    carry = open ? '```' : '';
    out.push(open ? `${text}\n\`\`\`` : text);
  }
  return out;
}

const MAX_REFINES = 8;

/** The Markdown as mrkdwn chunks of at most `limit` characters each, in order. */
export function mrkdwnChunks(markdown: string, limit = SLACK_TEXT_LIMIT): string[] {
  const out: string[] = [];
  let pending = balanceFences(splitText(markdown, limit - 8));
  for (let round = 0; pending.length > 0; round++) {
    const next: string[] = [];
    for (const source of pending) {
      const formatted = toMrkdwn(source);
      if (formatted.length <= limit) {
        if (next.length > 0) next.push(source);
        else out.push(formatted);
        continue;
      }
      if (round >= MAX_REFINES) throw new Error(`could not fit a message chunk into ${limit} characters`);
      // Escaping grows text (`&` → `&amp;`): cut this source again in proportion, keep the order.
      const smaller = Math.max(16, Math.floor(((source.length * limit) / formatted.length) * 0.9));
      next.push(...balanceFences(splitText(source, smaller - 8)));
    }
    pending = next;
  }
  return out.filter((c) => c.trim() !== '');
}
