/**
 * The host's HTTP surface for people and probes (ARCHITECTURE §8); bodies, answers and events are declared in
 * web-api.ts:
 *   GET  /                      the web chat page
 *   POST /api/messages          PostMessage → 202 MessageAccepted
 *   GET  /api/events?chat=…     server-sent `message` events of deliveries (WebMessage), ids `<boot>.<seq>`
 *   POST /api/actions           PostAction → 202 (answers a question card)
 *   GET  /healthz /readyz /metrics
 * Malformed requests get 4xx ApiError {error, field}. Outside loopback every /api call needs the bearer token
 * (NANOCLAW_WEB_TOKEN; `?token=` works for EventSource, which cannot set headers).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { InboundMessage } from '../adapter.js';
import { WEB_PAGE } from './page.js';
import type { WebAdapter } from './web-adapter.js';
import {
  ChatId,
  eventId,
  MESSAGE_EVENT,
  parseEventId,
  PostAction,
  PostMessage,
  WEB_ROUTES,
  type ApiError,
  type MessageAccepted,
  type WebEvent,
} from './web-api.js';

const MAX_BODY = 64 * 1024;
const SSE_PING_MS = 15_000;
export interface WebServerDeps {
  adapter: WebAdapter;
  defaultChat: string;
  token: string | undefined;
  log: Logger;
  answer: (a: { questionId: string; value: string; senderHandle: string }) => Promise<boolean>;
  ready: () => { ready: boolean; checks: Record<string, boolean> };
  metrics: () => string;
  onInbound?: () => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export function createWebServer(deps: WebServerDeps): http.Server {
  return http.createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal error');
      if (!(err instanceof HttpError))
        deps.log.error({ err: (err as Error).message, path: req.url }, 'web request failed');
      if (!res.headersSent) json<ApiError>(res, e.status, { error: e.message, field: e.field });
      else res.end();
    });
  });
}

async function handle(
  deps: WebServerDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(WEB_PAGE);
      return;
    case 'GET /healthz':
      return json(res, 200, { ok: true });
    case 'GET /readyz': {
      const r = deps.ready();
      return json(res, r.ready ? 200 : 503, r);
    }
    case 'GET /metrics':
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(deps.metrics());
      return;
  }
  if (url.pathname.startsWith('/api/')) authorize(deps, req, url);
  switch (route) {
    case `POST ${WEB_ROUTES.messages}`:
      return postMessage(deps, req, res);
    case `GET ${WEB_ROUTES.events}`:
      return events(deps, req, res, url);
    case `POST ${WEB_ROUTES.actions}`: {
      const body = parse(PostAction, await readJson(req));
      const ok = await deps.answer({
        questionId: body.questionId,
        value: body.value,
        senderHandle: body.sender ?? 'local',
      });
      if (!ok) throw new HttpError(404, `no open question ${body.questionId}`, 'questionId');
      return json(res, 202, { ok: true });
    }
  }
  throw new HttpError(404, `no route ${route}`);
}

async function postMessage(
  deps: WebServerDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const body = parse(PostMessage, await readJson(req));
  const msg: InboundMessage = {
    channelType: deps.adapter.channelType,
    platformId: body.chat ?? deps.defaultChat,
    threadId: body.thread ?? null,
    messageId: `web-${randomUUID()}`,
    senderHandle: body.sender ?? 'local',
    senderName: body.senderName ?? null,
    text: body.text,
    isMention: body.mention ?? true,
    isGroup: false,
    timestamp: new Date().toISOString(),
  };
  deps.onInbound?.();
  const outcome = await deps.adapter.inbound().onMessage(msg);
  json<MessageAccepted>(res, 202, { id: msg.messageId, ...outcome });
}

function events(deps: WebServerDeps, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const chat = url.searchParams.get('chat') ?? deps.defaultChat;
  if (!ChatId.safeParse(chat).success) throw new HttpError(400, 'chat is not a valid chat id', 'chat');
  // Replay only for a client that says where it stopped (EventSource sends Last-Event-ID when it reconnects).
  const resumeFrom = req.headers['last-event-id'] ?? url.searchParams.get('after');
  const lastId = typeof resumeFrom === 'string' ? resumePoint(resumeFrom) : null;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const send = (e: WebEvent): void => {
    const { seq, ...data } = e;
    res.write(`id: ${eventId(BOOT, seq)}\nevent: ${MESSAGE_EVENT}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  if (lastId !== null) for (const e of deps.adapter.since(chat, lastId)) send(e);
  const unsubscribe = deps.adapter.watch(chat, send);
  const ping = setInterval(() => res.write(': ping\n\n'), SSE_PING_MS);
  req.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
}

/** This process's part of the event ids (web-api.ts `eventId`). */
const BOOT = Date.now().toString(36);

/**
 * A client resuming from an id of an earlier host process missed everything this process has sent so far, so it
 * gets the whole buffer; an unreadable id is treated the same way.
 */
function resumePoint(id: string): number {
  const parsed = parseEventId(id);
  return parsed?.boot === BOOT ? parsed.seq : 0;
}

function authorize(deps: WebServerDeps, req: http.IncomingMessage, url: URL): void {
  if (!deps.token) return;
  const header = req.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(deps.token);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new HttpError(401, 'missing or wrong bearer token');
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/json')) throw new HttpError(415, 'body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : ((issue as { keys?: string[] }).keys?.[0] ?? null);
  const message =
    issue.code === 'unrecognized_keys' ? `unknown field ${field}` : `${field ?? 'body'}: ${issue.message}`;
  throw new HttpError(400, message, field);
}

function json<T>(res: http.ServerResponse, status: number, body: T): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
