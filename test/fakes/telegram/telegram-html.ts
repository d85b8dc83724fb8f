/**
 * The fake's check of Telegram's HTML parse mode, as strict as the Bot API: only Telegram's tags, properly nested,
 * every `<`, `>` and `&` outside a tag part of an entity. Returns the visible text (what Telegram counts against
 * its 4096-character limit) or throws the Bot API's kind of description.
 */
const TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
const TOKEN = /<(\/?)([a-zA-Z-]+)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>|&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|[<>&]/g;

export function parseTelegramHtml(html: string): string {
  const stack: string[] = [];
  let text = '';
  let last = 0;
  for (const m of html.matchAll(TOKEN)) {
    text += html.slice(last, m.index);
    last = m.index + m[0].length;
    const at = `at byte offset ${Buffer.byteLength(html.slice(0, m.index))}`;
    if (m[2]) {
      const tag = m[2].toLowerCase();
      if (!TAGS.has(tag))
        throw new Error(`Bad Request: can't parse entities: Unsupported start tag "${tag}" ${at}`);
      if (m[1]) {
        if (stack.pop() !== tag)
          throw new Error(`Bad Request: can't parse entities: Unexpected end tag ${at}`);
      } else stack.push(tag);
    } else if (m[4]) {
      const e = m[4];
      if (e.startsWith('#x')) text += String.fromCodePoint(parseInt(e.slice(2), 16));
      else if (e.startsWith('#')) text += String.fromCodePoint(Number(e.slice(1)));
      else if (ENTITIES[e] !== undefined) text += ENTITIES[e];
      else throw new Error(`Bad Request: can't parse entities: Unknown entity "${e}" ${at}`);
    } else {
      throw new Error(`Bad Request: can't parse entities: Unexpected "${m[0]}" ${at}`);
    }
  }
  if (stack.length)
    throw new Error(
      `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`,
    );
  return text + html.slice(last);
}
