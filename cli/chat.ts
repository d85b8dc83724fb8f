/**
 * `nanoclaw chat`: a terminal client for a running host's web chat API. Lines typed go to POST /api/messages;
 * replies stream back over /api/events. Ends on EOF (Ctrl-D) or Ctrl-C.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { readSse } from '../host/channels/web/sse-reader.js';
import {
  LOCAL_TOKEN_FILE,
  MESSAGE_EVENT,
  WEB_ROUTES,
  type ApiError,
  type MessageAccepted,
  type PostMessage,
  type WebMessage,
} from '../host/channels/web/web-api.js';
import { parse } from './args.js';

const HELP = `Usage: nanoclaw chat [--url URL] [--chat ID] [--thread ID] [--token TOKEN] [--data-dir DIR]

Talks to an agent through a running host (default http://127.0.0.1:3000, chat "main"). You speak as the user
the token belongs to: --token, else NANOCLAW_WEB_TOKEN, else the local owner's token file the host writes to
its data dir (DIR/${LOCAL_TOKEN_FILE}; DIR defaults to NANOCLAW_DATA_DIR or ./data). Per-user tokens come from
"nanoclaw web-token create --user web:<name>".
`;

/** The bearer to use: given, from the environment, or the local owner's file; null when there is none. */
function tokenFrom(given: string | undefined, dataDir: string | undefined): string | null {
  if (given) return given;
  if (process.env.NANOCLAW_WEB_TOKEN) return process.env.NANOCLAW_WEB_TOKEN;
  const file = path.join(
    path.resolve(dataDir ?? process.env.NANOCLAW_DATA_DIR ?? './data'),
    LOCAL_TOKEN_FILE,
  );
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

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
  const base = new URL(values.url ?? `http://127.0.0.1:${process.env.NANOCLAW_PORT ?? '3000'}/`);
  const token = tokenFrom(values.token, values['data-dir']);
  if (!token) {
    process.stderr.write('nanoclaw chat: no token: pass --token, set NANOCLAW_WEB_TOKEN or --data-dir\n');
    return 2;
  }
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const events = new URL(WEB_ROUTES.events, base);
  if (values.chat) events.searchParams.set('chat', values.chat);
  const abort = new AbortController();
  const stream = await fetch(events, { headers, signal: abort.signal });
  if (!stream.ok || !stream.body) {
    process.stderr.write(`nanoclaw chat: cannot watch ${events.origin}: HTTP ${stream.status}\n`);
    return 1;
  }
  void printEvents(stream.body, values.thread ?? null);

  const rl = readline.createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY)
    process.stdout.write(`connected to ${base.origin}; type a message, Ctrl-D to quit\n`);
  for await (const line of rl) {
    const text = line.trim();
    if (!text) continue;
    const message: PostMessage = {
      text,
      ...(values.chat ? { chat: values.chat } : {}),
      ...(values.thread ? { thread: values.thread } : {}),
    };
    const res = await fetch(new URL(WEB_ROUTES.messages, base), {
      method: 'POST',
      headers,
      body: JSON.stringify(message),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<MessageAccepted & ApiError>;
    if (!res.ok) process.stderr.write(`! ${body.error ?? res.statusText}\n`);
    else if (body.delivered === 0 && body.dropped)
      process.stderr.write(`! not delivered to an agent: ${body.dropped}\n`);
  }
  abort.abort();
  return 0;
}

async function printEvents(body: ReadableStream<Uint8Array>, thread: string | null): Promise<void> {
  try {
    for await (const record of readSse(body)) {
      if (record.event !== MESSAGE_EVENT) continue;
      const event = JSON.parse(record.data) as WebMessage;
      if (thread && event.thread !== thread) continue;
      process.stdout.write(`${event.text}\n`);
    }
  } catch {
    // the stream ends when the client quits
  }
}
