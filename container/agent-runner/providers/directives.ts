/**
 * Directives the mock provider reads from message text, so tests can script a turn:
 *   [[delay:250]]            sleep 250 ms before answering
 *   [[error:boom]]           fail the turn with the message "boom"
 *   [[tool:<name> <json>]]   call an MCP tool with JSON arguments (omit the JSON for {})
 *   [[silent]]               no reply
 *   [[echo-context]]         reply with every message of the batch, accumulated context included
 *   [[shell:<command>]]      run a shell command (up to the first "]]"); the mock runs it only when enabled
 *   [[skills]]               list the skills the runner finds in the agent folder (and those it cannot load)
 * Pure; malformed directives are reported in `errors` (the mock fails the turn with them).
 */

type Directive =
  | { type: 'delay'; ms: number }
  | { type: 'error'; message: string }
  | { type: 'tool'; name: string; args: unknown }
  | { type: 'silent' }
  | { type: 'echo-context' }
  | { type: 'skills' }
  | { type: 'shell'; command: string };

export interface ParsedDirectives {
  directives: Directive[];
  /** The text with every directive removed and whitespace collapsed at the ends. */
  text: string;
  errors: string[];
}

const MAX_DELAY_MS = 600_000;
const OPEN = '[[';
const CLOSE = ']]';

export function parseDirectives(input: string): ParsedDirectives {
  const directives: Directive[] = [];
  const errors: string[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    const start = input.indexOf(OPEN, i);
    if (start < 0) {
      text += input.slice(i);
      break;
    }
    text += input.slice(i, start);
    const parsed = parseOne(input, start + OPEN.length);
    if (!parsed) {
      // Not a directive: keep the brackets as text.
      text += OPEN;
      i = start + OPEN.length;
      continue;
    }
    if ('error' in parsed) errors.push(parsed.error);
    else directives.push(parsed.directive);
    i = parsed.end;
  }
  return { directives, text: text.replace(/[ \t]+\n/g, '\n').trim(), errors };
}

type One = { directive: Directive; end: number } | { error: string; end: number } | null;

function parseOne(s: string, from: number): One {
  const m = /^([a-z][a-z-]*)(:|\]\])/.exec(s.slice(from, from + 40));
  if (!m) return null;
  const name = m[1]!;
  if (m[2] === CLOSE) {
    const end = from + name.length + CLOSE.length;
    if (name === 'silent') return { directive: { type: 'silent' }, end };
    if (name === 'echo-context') return { directive: { type: 'echo-context' }, end };
    if (name === 'skills') return { directive: { type: 'skills' }, end };
    return null;
  }
  const argStart = from + name.length + 1;
  if (name === 'tool') return parseTool(s, argStart);
  const close = s.indexOf(CLOSE, argStart);
  if (close < 0) return null;
  const arg = s.slice(argStart, close);
  const end = close + CLOSE.length;
  if (name === 'delay') {
    const ms = Number(arg.trim());
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
      return { error: `[[delay:${arg}]]: expected whole milliseconds 0..${MAX_DELAY_MS}`, end };
    }
    return { directive: { type: 'delay', ms }, end };
  }
  if (name === 'error') return { directive: { type: 'error', message: arg.trim() || 'mock error' }, end };
  if (name === 'shell') {
    const command = arg.trim();
    return command
      ? { directive: { type: 'shell', command }, end }
      : { error: '[[shell:]]: no command', end };
  }
  return null;
}

/** `[[tool:name {json}]]` — the JSON may itself contain "]]", so try each closing position until it parses. */
function parseTool(s: string, from: number): One {
  const head = /^([a-z][a-z0-9_]*)/.exec(s.slice(from, from + 80));
  if (!head) return null;
  const name = head[1]!;
  const argsFrom = from + name.length;
  const firstClose = s.indexOf(CLOSE, argsFrom);
  if (firstClose < 0) return null;
  let close = firstClose;
  for (let guard = 0; close >= 0 && guard < 1000; guard++) {
    const raw = s.slice(argsFrom, close).trim();
    if (raw === '') return { directive: { type: 'tool', name, args: {} }, end: close + CLOSE.length };
    try {
      return { directive: { type: 'tool', name, args: JSON.parse(raw) }, end: close + CLOSE.length };
    } catch {
      close = s.indexOf(CLOSE, close + 1);
    }
  }
  return { error: `[[tool:${name} …]]: arguments are not valid JSON`, end: firstClose + CLOSE.length };
}
