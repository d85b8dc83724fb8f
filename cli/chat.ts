/**
 * `nanoclaw chat`: a terminal client for a running host's web chat API. Lines typed go to POST /api/messages;
 * the chat's events stream back over /api/events and are printed as they come (cli/chat-render.ts). It finds the
 * host of the data dir by itself (cli/chat-host.ts). Ends on EOF (Ctrl-D), Ctrl-C, or when the host goes away.
 *
 * On a terminal it shows a prompt and echoes what is typed (readline with an output), and a line printed while
 * something is typed is put above the prompt, which is then redrawn with the unfinished input.
 */
import readline from 'node:readline';
import { readSse } from '../host/channels/web/sse-reader.js';
import {
  MESSAGE_EVENT,
  TYPING_EVENT,
  WEB_ROUTES,
  type ApiError,
  type MessageAccepted,
  type PostMessage,
} from '../host/channels/web/web-api.js';
import { parse } from './args.js';
import { chatDataDir, findHostUrl, findToken, unreachable } from './chat-host.js';
import {
  renderMessage,
  WorkingIndicator,
  type RenderOptions,
  type ShownMessage,
  type ShownTyping,
} from './chat-render.js';

const HELP = `Usage: nanoclaw chat [--url URL] [--chat ID] [--thread ID] [--token TOKEN] [--data-dir DIR]

Talks to an agent through the running host of the data dir (DIR defaults to NANOCLAW_DATA_DIR or ./data; the
host records its URL in DIR/host.lock), or the host at --url. Chat "main" unless --chat. You speak as the user
the token belongs to: --token, else NANOCLAW_WEB_TOKEN, else the local owner's token file the host writes to
the data dir. Per-user tokens come from "nanoclaw web-token create --user web:<name>".
Replies are shown with the agent's name, notices from NanoClaw itself as such. Ctrl-D or Ctrl-C quits.
`;
const PROMPT = '> ';

export async function chatCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    url: { type: 'string' },
    chat: { type: 'string' },
    thread: { type: 'string' },
    token: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const fail = (error: string, code = 1): number => {
    process.stderr.write(`nanoclaw chat: ${error}\n`);
    return code;
  };
  const dataDir = chatDataDir(values['data-dir']);
  const base = findHostUrl(values.url, dataDir);
  if (!base.ok) return fail(base.error, values.url ? 2 : 1);
  const token = findToken(values.token, dataDir);
  if (!token.ok) return fail(token.error);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token.value}` };

  const events = new URL(WEB_ROUTES.events, base.value);
  if (values.chat) events.searchParams.set('chat', values.chat);
  const abort = new AbortController();
  let stream: Response;
  try {
    stream = await fetch(events, { headers, signal: abort.signal });
  } catch (err) {
    return fail(unreachable(base.value, err, dataDir));
  }
  if (!stream.ok || !stream.body) {
    const body = (await stream.json().catch(() => ({}))) as Partial<ApiError>;
    return fail(
      `the host at ${base.value.origin} refused the event stream: HTTP ${stream.status}` +
        (body.error ? ` (${body.error})` : '') +
        (stream.status === 401 ? '; the token is not valid there (--token, --data-dir)' : ''),
    );
  }

  const me = await whoAmI(base.value, headers);
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  // Created right before its loop: lines read before the loop asks for them would be lost.
  const rl = readline.createInterface({
    input: process.stdin,
    ...(tty ? { output: process.stdout, terminal: true, prompt: PROMPT } : { terminal: false }),
  });
  let closed = false;
  rl.on('SIGINT', () => rl.close()).on('close', () => (closed = true));
  /** Prints a line above the prompt, keeping what is being typed. */
  const print = (line: string, to: NodeJS.WriteStream = process.stdout): void => {
    if (!tty || closed) return void to.write(`${line}\n`);
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
    to.write(`${line}\n`);
    rl.prompt(true);
  };
  const options: RenderOptions = {
    color: tty && !process.env.NO_COLOR,
    me,
    since: Date.now(),
  };
  let lost = false;
  void printEvents(stream.body, values.thread ?? null, options, print).then(() => {
    if (abort.signal.aborted) return;
    lost = true;
    print(`! the host at ${base.value.origin} closed the connection (stopped?)`, process.stderr);
    rl.close();
  });

  if (tty) {
    process.stdout.write(`connected to ${base.value.origin}; type a message, Ctrl-D to quit\n`);
    rl.prompt();
  }
  for await (const line of rl) {
    const text = line.trim();
    if (text) await post(base.value, headers, text, values, print);
    if (tty) rl.prompt();
  }
  abort.abort();
  if (tty) process.stdout.write('\n');
  return lost ? 1 : 0;
}

/** The signed-in user's display name (GET /api/chats), or null when the host does not say. */
async function whoAmI(base: URL, headers: Record<string, string>): Promise<string | null> {
  try {
    const res = await fetch(new URL('/api/chats', base), { headers });
    if (!res.ok) return null;
    return ((await res.json()) as { me?: { name?: string } }).me?.name ?? null;
  } catch {
    return null;
  }
}

async function post(
  base: URL,
  headers: Record<string, string>,
  text: string,
  values: { chat?: string; thread?: string },
  print: (line: string, to?: NodeJS.WriteStream) => void,
): Promise<void> {
  const message: PostMessage = {
    text,
    ...(values.chat ? { chat: values.chat } : {}),
    ...(values.thread ? { thread: values.thread } : {}),
  };
  let res: Response;
  try {
    res = await fetch(new URL(WEB_ROUTES.messages, base), {
      method: 'POST',
      headers,
      body: JSON.stringify(message),
    });
  } catch (err) {
    return print(`! not sent: ${(err as Error).message}`, process.stderr);
  }
  const body = (await res.json().catch(() => ({}))) as Partial<MessageAccepted & ApiError>;
  if (!res.ok) print(`! not sent: ${body.error ?? `HTTP ${res.status}`}`, process.stderr);
  else if (body.delivered === 0 && body.dropped && body.dropped !== 'command')
    print(`! not delivered to an agent: ${body.dropped}`, process.stderr);
}

/** Prints the stream's events until it ends (the host stopped, or the client quit). */
async function printEvents(
  body: ReadableStream<Uint8Array>,
  thread: string | null,
  options: RenderOptions,
  print: (line: string) => void,
): Promise<void> {
  const indicator = new WorkingIndicator();
  try {
    for await (const record of readSse(body)) {
      let line: string | null = null;
      if (record.event === MESSAGE_EVENT) {
        const m = JSON.parse(record.data) as ShownMessage;
        if (thread && m.thread !== thread) continue;
        if (m.author?.kind === 'agent') indicator.replied();
        line = renderMessage(m, options);
      } else if (record.event === TYPING_EVENT) {
        const t = JSON.parse(record.data) as ShownTyping;
        if (thread && t.thread !== thread) continue;
        line = indicator.render(t, options);
      }
      if (line !== null) print(line);
    }
  } catch {
    // the stream ends when the client quits or the host goes away
  }
}
