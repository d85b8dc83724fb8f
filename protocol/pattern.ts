/**
 * Engage patterns (MessagingGroup `engage.pattern`): the one regex engine of the operator's validation and the
 * router's matching. It lives in protocol/ because both import it and the operator may not import host/router.
 *
 * Invariants:
 * - RE2 semantics, linear time: matching costs O(pattern × text) and never backtracks, so no pattern and no
 *   message can stall the event loop (`^(a+)+$` is as cheap as `^a+$`).
 * - One dialect: a pattern the operator accepts is a pattern the router compiles, and CEL in the API server
 *   speaks the same RE2 syntax. Backreferences (`\1`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) do not
 *   compile; a pattern that does not compile engages nobody.
 * - A pattern sees at most the first PATTERN_TEXT_LIMIT characters (UTF-16 code units) of a message, so the
 *   cost of one match is bounded whatever the message's length; `$` anchors at the end of that head.
 *
 * Engine: re2js, a pure-JavaScript port of RE2 — no native addon, so nothing to build with node-gyp and no
 * prebuilt binary to download at install time (the native `re2` package needs one or the other, on the host
 * image and on every laptop), and it runs on Node 20 as an ES module with its own types. It is slower than
 * native RE2 per character, which the text cap keeps irrelevant.
 */
import { RE2JS } from 're2js';

/** How much of a message a pattern is matched against (characters from the start). */
export const PATTERN_TEXT_LIMIT = 4096;

/** Compiled patterns by source; a source that does not compile maps to its error text. */
const compiled = new Map<string, RE2JS | string>();
const CACHE_SIZE = 1000;

function compile(pattern: string): RE2JS | string {
  let re = compiled.get(pattern);
  if (re === undefined) {
    if (compiled.size >= CACHE_SIZE) compiled.clear();
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      re = (err as Error).message;
    }
    compiled.set(pattern, re);
  }
  return re;
}

/** Why a pattern does not compile in the RE2 dialect, or undefined when it does. */
export function patternError(pattern: string): string | undefined {
  const re = compile(pattern);
  return typeof re === 'string' ? re : undefined;
}

/** The pattern matches somewhere in the first PATTERN_TEXT_LIMIT characters of the text. */
export function patternMatches(pattern: string, text: string): boolean {
  const re = compile(pattern);
  return typeof re !== 'string' && re.test(headOf(text));
}

/** The text cut to PATTERN_TEXT_LIMIT, never between the two halves of a surrogate pair. */
function headOf(text: string): string {
  if (text.length <= PATTERN_TEXT_LIMIT) return text;
  const last = text.charCodeAt(PATTERN_TEXT_LIMIT - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? PATTERN_TEXT_LIMIT - 1 : PATTERN_TEXT_LIMIT;
  return text.slice(0, end);
}
