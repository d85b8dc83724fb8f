/**
 * The host's HTTP surface for people and probes (ARCHITECTURE §8); bodies, answers and events are declared in
 * web-api.ts, who is asking is decided by host/web-auth/:
 *   GET  /?token=<one-time>     sign in: sets the session cookie, redirects to / without the token
 *   GET  /                      the web chat page
 *   POST /api/messages          PostMessage → 202 MessageAccepted (the sender is the authenticated user)
 *   GET  /api/events?chat=…     server-sent events: the chat's stored `message`s (history, or after Last-Event-ID /
 *                               ?after=), then live `message` and `typing` events; ids are web_events row ids
 *   GET  /api/chats             ChatList: the web chats the user may open
 *   POST /api/actions           PostAction → 202 (answers a question card)
 *   POST /api/pairing-codes     PostPairingCode → 201 PairingCodeIssued (owners only: link a chat account)
 *   GET  /healthz /readyz /metrics
 *
 * Invariants:
 * - Every /api request is authenticated (401 otherwise) and its Host and Origin are checked; the page and the
 *   sign-in URL are served only for an allowed Host. Probes answer anyone (kubelets use the pod address).
 * - A body is read only when its media type is exactly application/json (parameters such as charset allowed)
 *   and is at most MAX_BODY bytes; malformed requests get 4xx ApiError {error, field}, never a 500.
 * - /api/events streams only a chat the user may see; a user holds at most the configured number of streams,
 *   and so does the host; messages are rate-limited per sender.
 * - A message with an Idempotency-Key is accepted once per (user, key): a retry gets the first 202 answer back.
 * - A person's message is stored in the chat's history (before it is routed, so it precedes the reply) only when
 *   they may see that chat: nobody can write into the history of a chat they are not part of.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { InputError } from '../../errors.js';
import { HttpError } from '../../web-auth/http-error.js';
import type { RateLimiter } from '../../rate-limit.js';
import type { StreamSlots } from '../../web-auth/limits.js';
import type { AnswerRight } from '../../access/question-right.js';
import { sessionFaultReason } from '../../session/session-faults.js';
import type { Identity, WebAuth } from '../../web-auth/web-auth.js';
import type { InboundMessage } from '../adapter.js';
import { WEB_PAGE, WEB_PAGE_CSP } from './page.js';
import type { WebAdapter } from './web-adapter.js';
import { IdempotencyKeys } from './idempotency-keys.js';
import type { StreamEvent } from './web-adapter.js';
import {
  ChatId,
  IDEMPOTENCY_HEADER,
  IdempotencyKey,
  MESSAGE_EVENT,
  parseEventId,
  PostAction,
  PostMessage,
  PostPairingCode,
  REPLAYED_EVENT,
  TYPING_EVENT,
  WEB_ROUTES,
  type ApiError,
  type ChatList,
  type MessageAccepted,
  type PairingCodeIssued,
} from './web-api.js';

const MAX_BODY = 64 * 1024;
const SSE_PING_MS = 15_000;
export interface WebServerDeps {
  adapter: WebAdapter;
  defaultChat: string;
  auth: WebAuth;
  messageRate: RateLimiter;
  streams: StreamSlots;
  canSee: (userId: string, chat: string) => boolean;
  /** The web chats a user may open (GET /api/chats). */
  chats: (userId: string) => ChatList['chats'];
  /** How a user is named in the chat (their messages' author name). */
  userName: (userId: string) => string;
  log: Logger;
  answer: (a: { questionId: string; value: string; userId: string }) => Promise<AnswerRight | 'answered'>;
  /** Issues a pairing code for an owner; null when the user is not an owner. */
  pairingCode: (userId: string, body: PostPairingCode) => PairingCodeIssued | null;
  ready: () => { ready: boolean; checks: Record<string, boolean> };
  metrics: () => string;
}

export function createWebServer(deps: WebServerDeps): http.Server {
  return http.createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      // A session's files at fault (a lock, a full disk, a crashed runner) is a 503 with the reason: retry later.
      const fault = err instanceof HttpError ? null : sessionFaultReason(err);
      const e =
        err instanceof HttpError
          ? err
          : fault
            ? new HttpError(503, `chat unavailable: ${fault}`, undefined, { 'retry-after': '5' })
            : new HttpError(500, 'internal error');
      if (!(err instanceof HttpError))
        deps.log.error({ err: (err as Error).message, path: req.url, fault }, 'web request failed');
      if (!res.headersSent) json<ApiError>(res, e.status, { error: e.message, field: e.field }, e.headers);
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
      deps.auth.checkHost(req);
      if (url.searchParams.has('token')) return signIn(deps, res, url);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': WEB_PAGE_CSP,
        'x-content-type-options': 'nosniff',
      });
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
  if (!url.pathname.startsWith('/api/')) throw new HttpError(404, `no route ${route}`);
  const who = deps.auth.identify(req);
  deps.auth.checkOrigin(req, who, req.method !== 'GET' && req.method !== 'HEAD');
  switch (route) {
    case `POST ${WEB_ROUTES.messages}`:
      return postMessage(deps, req, res, who);
    case `GET ${WEB_ROUTES.events}`:
      return events(deps, req, res, url, who);
    case `GET ${WEB_ROUTES.chats}`:
      return json<ChatList>(res, 200, {
        me: { id: who.userId, name: deps.userName(who.userId) },
        defaultChat: deps.defaultChat,
        chats: deps.chats(who.userId),
      });
    case `POST ${WEB_ROUTES.actions}`: {
      const body = parse(PostAction, await readJson(req));
      const outcome = await deps.answer({ ...body, userId: who.userId });
      if (outcome === 'not_yours')
        throw new HttpError(403, `question ${body.questionId} was not asked of you`, 'questionId');
      if (outcome !== 'answered')
        throw new HttpError(404, `no open question ${body.questionId}`, 'questionId');
      return json(res, 202, { ok: true });
    }
    case `POST ${WEB_ROUTES.pairingCodes}`: {
      const body = parse(PostPairingCode, await readJson(req));
      let issued: PairingCodeIssued | null;
      try {
        issued = deps.pairingCode(who.userId, body);
      } catch (err) {
        if (err instanceof InputError) throw new HttpError(400, err.message, 'agentGroup');
        throw err;
      }
      if (!issued) throw new HttpError(403, 'only an owner can issue pairing codes');
      deps.log.info({ userId: who.userId, channel: body.channel }, 'pairing code issued from the web chat');
      return json<PairingCodeIssued>(res, 201, issued);
    }
  }
  throw new HttpError(404, `no route ${route}`);
}

/** The one-time token becomes a session cookie; the browser is sent to the same page without the token. */
function signIn(deps: WebServerDeps, res: http.ServerResponse, url: URL): void {
  const cookie = deps.auth.signIn(url.searchParams.get('token') ?? '');
  if (!cookie) throw new HttpError(401, 'this sign-in link was already used or has expired');
  url.searchParams.delete('token');
  const query = url.searchParams.toString();
  res.writeHead(303, {
    location: query ? `/?${query}` : '/',
    'set-cookie': cookie,
    'cache-control': 'no-store',
  });
  res.end();
}

async function postMessage(
  deps: WebServerDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  who: Identity,
): Promise<void> {
  const rawKey = req.headers[IDEMPOTENCY_HEADER];
  const key = rawKey === undefined ? null : IdempotencyKey.safeParse(rawKey);
  if (key && !key.success) throw new HttpError(400, `Idempotency-Key ${key.error.issues[0]!.message}`, null);
  const body = parse(PostMessage, await readJson(req));
  const rate = deps.messageRate.take(who.userId);
  if (!rate.ok) {
    const seconds = Math.ceil(rate.retryAfterMs / 1000);
    throw new HttpError(429, `too many messages: try again in ${seconds} s`, null, {
      'retry-after': String(seconds),
    });
  }
  const accept = async (messageId: string): Promise<MessageAccepted> => {
    const msg: InboundMessage = {
      channelType: deps.adapter.channelType,
      platformId: body.chat ?? deps.defaultChat,
      threadId: body.thread ?? null,
      messageId,
      senderHandle: who.userId.slice(who.userId.indexOf(':') + 1),
      senderName: null,
      text: body.text,
      isMention: body.mention ?? true,
      isGroup: false,
      timestamp: new Date().toISOString(),
    };
    if (deps.canSee(who.userId, msg.platformId))
      deps.adapter.recordUserMessage({
        chat: msg.platformId,
        thread: msg.threadId,
        messageId,
        name: deps.userName(who.userId),
        text: msg.text,
      });
    const outcome = await deps.adapter.inbound().onMessage(msg);
    return { id: messageId, ...outcome };
  };
  const answer = key
    ? await deps.adapter.keys.once(who.userId, key.data, () =>
        accept(IdempotencyKeys.messageId(who.userId, key.data)),
      )
    : await accept(`web-${randomUUID()}`);
  json<MessageAccepted>(res, 202, answer);
}

function events(
  deps: WebServerDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  who: Identity,
): void {
  const chat = url.searchParams.get('chat') ?? deps.defaultChat;
  if (!ChatId.safeParse(chat).success) throw new HttpError(400, 'chat is not a valid chat id', 'chat');
  if (!deps.canSee(who.userId, chat)) throw new HttpError(403, `you may not see chat ${chat}`, 'chat');
  const release = deps.streams.acquire(who.userId);
  if (!release) throw new HttpError(429, 'too many open event streams', null, { 'retry-after': '5' });
  // Where the client stopped (EventSource sends Last-Event-ID when it reconnects); none: the recent history.
  const resumeFrom = req.headers['last-event-id'] ?? url.searchParams.get('after');
  const after = typeof resumeFrom === 'string' ? parseEventId(resumeFrom) : null;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const unsubscribe = deps.adapter.open(chat, after, (e) => res.write(sseFrame(e)));
  const ping = setInterval(() => res.write(': ping\n\n'), SSE_PING_MS);
  res.once('close', () => {
    clearInterval(ping);
    unsubscribe();
    release();
  });
}

/** A stored message carries its event id; the others none (the stream's last id stays where it was). */
function sseFrame(e: StreamEvent): string {
  if (e.kind === 'typing') return `event: ${TYPING_EVENT}\ndata: ${JSON.stringify(e.typing)}\n\n`;
  if (e.kind === 'replayed')
    return `event: ${REPLAYED_EVENT}\ndata: ${JSON.stringify({ count: e.count })}\n\n`;
  return `id: ${e.stored.eventId}\nevent: ${MESSAGE_EVENT}\ndata: ${JSON.stringify(e.stored.message)}\n\n`;
}

/** `type/subtype` of a Content-Type header, lower case, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  if (mediaType(req.headers['content-type']) !== 'application/json')
    throw new HttpError(415, 'body must be application/json');
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
    issue.code === 'unrecognized_keys'
      ? field === 'sender' || field === 'senderName'
        ? `${field} is not accepted: the sender is the signed-in user`
        : `unknown field ${field}`
      : `${field ?? 'body'}: ${issue.message}`;
  throw new HttpError(400, message, field);
}

function json<T>(
  res: http.ServerResponse,
  status: number,
  body: T,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
