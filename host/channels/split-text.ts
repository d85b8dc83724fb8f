/**
 * Splits a long message into chunks a platform accepts (Telegram 4096, Discord 2000, Slack 40000 characters …),
 * preferring paragraph breaks, then line breaks, then spaces, and cutting a word only when nothing else fits.
 *
 * Invariants: every chunk is at most `limit` UTF-16 code units and non-empty; a chunk never ends inside a
 * surrogate pair; joining the chunks with the separators that were cut at gives the text back (trailing and
 * leading whitespace at a cut is dropped, nothing else).
 */
const BREAKS = ['\n\n', '\n', ' '] as const;

function cutPoint(text: string, limit: number): { at: number; skip: number } {
  const window = text.slice(0, limit + 1);
  for (const sep of BREAKS) {
    const i = window.lastIndexOf(sep, limit);
    // A break in the first quarter would leave a tiny chunk: only take it for the hard (space-less) case.
    if (i > 0 && (i >= limit / 4 || sep === ' ')) return { at: i, skip: sep.length };
  }
  let at = limit;
  const code = text.charCodeAt(at - 1);
  if (code >= 0xd800 && code <= 0xdbff) at -= 1; // keep a surrogate pair together
  return { at, skip: 0 };
}

export function splitText(text: string, limit: number): string[] {
  if (limit < 2) throw new Error(`split limit ${limit} is too small`);
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const { at, skip } = cutPoint(rest, limit);
    const chunk = rest.slice(0, at).trimEnd();
    if (chunk) chunks.push(chunk);
    rest = rest.slice(at + skip).replace(/^\n+/, '');
  }
  if (rest.trim() || chunks.length === 0) chunks.push(rest);
  return chunks;
}
