/**
 * A test client for the web chat API: POST messages, collect server-sent events, wait for replies. It
 * authenticates the way a terminal client does: for a host started by host-process.ts, as the local owner with the
 * token file in the data dir, or as `web:<sender>` with a per-user bearer token issued into the host's DB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSse } from '../../host/channels/web/sse-reader.js';
import {
  LOCAL_TOKEN_FILE,
  MESSAGE_EVENT,
  REPLAYED_EVENT,
  TYPING_EVENT,
  WEB_ROUTES,
  type MessageAccepted,
  type PostMessage,
  type WebMessage,
  type WebTyping,
} from '../../host/channels/web/web-api.js';
import { issueCredential } from '../../host/web-auth/credentials.js';
import { withDb } from './seed.js';

/** A message as a test sends it: `sender` picks whose credential it goes with (default: the local owner). */
export type TestMessage = PostMessage & { sender?: string };

const dataDirs = new Map<string, string>();
const userTokens = new Map<string, string>();

/** Makes the helpers authenticate against the host at `base`, whose data dir is `dataDir`. */
export function registerHost(base: string, dataDir: string): void {
  dataDirs.set(base, dataDir);
}

/** Authorization headers for `web:<sender>` (or the local owner) on a registered host; none otherwise. */
export function authFor(base: string, sender?: string): Record<string, string> {
  const dataDir = dataDirs.get(base);
  if (!dataDir) return {};
  if (sender === undefined)
    return {
      authorization: `Bearer ${fs.readFileSync(path.join(dataDir, LOCAL_TOKEN_FILE), 'utf8').trim()}`,
    };
  const key = `${base} ${sender}`;
  let token = userTokens.get(key);
  if (!token) {
    token = withDb(dataDir, (db) => issueCredential(db, { kind: 'token', userId: `web:${sender}` }).secret);
    userTokens.set(key, token);
  }
  return { authorization: `Bearer ${token}` };
}

export async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authFor(base), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, body: json };
}

export async function send(base: string, message: TestMessage) {
  const { sender, ...body } = message;
  const r = await post(base, WEB_ROUTES.messages, body, authFor(base, sender));
  if (r.status !== 202)
    throw new Error(`POST ${WEB_ROUTES.messages} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as unknown as MessageAccepted;
}

/**
 * Subscribes to a chat's events and keeps them: `replies` are what agents and the host said, `messages` every
 * message event (people's own included) with its event id in `eventIds`, `typing` the typing events.
 */
export class ChatStream {
  readonly replies: WebMessage[] = [];
  readonly messages: WebMessage[] = [];
  readonly eventIds: string[] = [];
  readonly typing: WebTyping[] = [];
  private readonly abort = new AbortController();
  private waiters = new Set<() => void>();
  private ready: Promise<void>;

  /** The id of the last event received (what EventSource would send as Last-Event-ID on reconnect). */
  lastEventId: string | null = null;

  constructor(base: string, chat = 'main', resumeFrom?: string | null, sender?: string) {
    const url = new URL(WEB_ROUTES.events, base);
    url.searchParams.set('chat', chat);
    const headers: Record<string, string> = {
      ...authFor(base, sender),
      ...(resumeFrom ? { 'last-event-id': resumeFrom } : {}),
    };
    let replayed = (): void => {};
    const replay = new Promise<void>((resolve) => (replayed = resolve));
    this.ready = fetch(url, { signal: this.abort.signal, headers }).then((res) => {
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
      void this.read(res.body, replayed);
      return replay;
    });
  }

  /** Resolves once the stream is open and its stored messages (history or the missed ones) have arrived. */
  opened(): Promise<void> {
    return this.ready;
  }

  private async read(body: ReadableStream<Uint8Array>, replayed: () => void): Promise<void> {
    try {
      for await (const record of readSse(body)) {
        if (record.event === REPLAYED_EVENT) replayed();
        if (record.event === TYPING_EVENT) this.typing.push(JSON.parse(record.data) as WebTyping);
        if (record.event !== MESSAGE_EVENT) continue;
        this.lastEventId = record.id;
        this.eventIds.push(record.id);
        const message = JSON.parse(record.data) as WebMessage;
        this.messages.push(message);
        if (message.author.kind !== 'user') this.replies.push(message);
        for (const w of this.waiters) w();
      }
    } catch {
      // closed
    }
  }

  /** Resolves with the first reply (in arrival order, from index `from`) matching `pred`. */
  waitFor(pred: (r: WebMessage) => boolean, timeoutMs = 15_000, from = 0): Promise<WebMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.replies.slice(from).find(pred);
        if (!hit) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `no matching reply in ${timeoutMs} ms; got: ${JSON.stringify(this.replies.map((r) => r.text))}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  close(): void {
    this.abort.abort();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens chat streams against one host and closes them all at the end of a test file. */
export class ChatStreams {
  private readonly open: ChatStream[] = [];

  constructor(private readonly base: () => string) {}

  async watch(chat: string): Promise<ChatStream> {
    const s = new ChatStream(this.base(), chat);
    this.open.push(s);
    await s.opened();
    return s;
  }

  closeAll(): void {
    for (const s of this.open.splice(0)) s.close();
  }
}
