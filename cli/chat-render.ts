/**
 * How `nanoclaw chat` shows the web chat's events: pure functions from an event's data to the line to print (or
 * null for nothing). Replies carry the agent's name, host notices are marked as NanoClaw's (errors as errors),
 * other people's messages are dimmed, and an agent's working state is one "… <name> is working" line each time it
 * starts. Colours only when `color` is set (a terminal without NO_COLOR).
 *
 * The shapes are the parts of web-api.ts's WebMessage / WebTyping this client reads; `author` and `level` are
 * optional so a host without them still shows its plain text.
 */

export interface ShownMessage {
  text: string;
  thread: string | null;
  author?: { kind: 'agent' | 'host' | 'user'; name: string };
  level?: 'info' | 'error';
  createdAt?: string;
}

export interface ShownTyping {
  thread: string | null;
  agent: { id: string; name: string } | null;
  active: boolean;
}

export interface RenderOptions {
  color: boolean;
  /** The signed-in user's name: their own live messages are already on screen (typed), so they are not repeated. */
  me: string | null;
  /** When this client connected: own messages from before are history and are shown. */
  since: number;
}

const style = (code: string) => (on: boolean, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
const bold = style('1');
const dim = style('2');
const red = style('31');
const yellow = style('33');
const cyan = style('36');

/** The text under a name: continuation lines indented to stay readable. */
function body(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

export function renderMessage(m: ShownMessage, o: RenderOptions): string | null {
  const a = m.author;
  if (!a) return body(m.text);
  if (a.kind === 'host') {
    return m.level === 'error'
      ? red(o.color, `! NanoClaw: ${body(m.text)}`)
      : yellow(o.color, `NanoClaw: ${body(m.text)}`);
  }
  if (a.kind === 'user') {
    const mine = a.name === o.me;
    if (mine && (!m.createdAt || Date.parse(m.createdAt) >= o.since)) return null;
    return dim(o.color, `${mine ? 'you' : a.name}: ${body(m.text)}`);
  }
  return `${bold(o.color, cyan(o.color, `${a.name}:`))} ${body(m.text)}`;
}

/** Tracks who is working, so each start of work prints one line and repeats print nothing. */
export class WorkingIndicator {
  private readonly working = new Set<string>();

  render(t: ShownTyping, o: RenderOptions): string | null {
    const key = t.agent?.id ?? '';
    if (!t.active) {
      this.working.delete(key);
      return null;
    }
    if (this.working.has(key)) return null;
    this.working.add(key);
    return dim(o.color, `… ${t.agent?.name ?? 'the agent'} is working`);
  }

  /** A reply from an agent ends its working state. */
  replied(): void {
    this.working.clear();
  }
}
