/**
 * The web chat API's contract, shared by the server (web-server.ts, web-adapter.ts), `nanoclaw chat` and the
 * tests: routes, credentials, request bodies, responses and the server-sent events of /api/events. Only zod is
 * imported, so a client loads it without any server code. The page (page.ts) takes the routes and the event name
 * from here.
 *
 * Every /api request is authenticated (host/web-auth/): `Authorization: Bearer <token>`, the {@link SESSION_COOKIE}
 * the sign-in URL (`/?token=<one-time token>`) sets, or a trusted proxy's user header. Bodies never name the
 * sender: it is the authenticated user.
 */
import { z } from 'zod';

export const WEB_ROUTES = {
  /** POST a {@link PostMessage} body → 202 {@link MessageAccepted}. */
  messages: '/api/messages',
  /**
   * GET `?chat=…` → server-sent events ({@link MESSAGE_EVENT}, {@link TYPING_EVENT}, {@link REPLAYED_EVENT}).
   * Without a resume point the stream starts with the chat's recent history (stored messages, oldest first); with
   * `?after=<event id>` or a Last-Event-ID header it starts with exactly the stored messages after that id. Then
   * one `replayed` event, then it follows live.
   */
  events: '/api/events',
  /** GET → 200 {@link ChatList}: the web chats the signed-in user may open. */
  chats: '/api/chats',
  /** POST a {@link PostAction} body → 202 `{ok: true}`, answering a question card. */
  actions: '/api/actions',
  /** POST a {@link PostPairingCode} body → 201 {@link PairingCodeIssued}; owners only (403 otherwise). */
  pairingCodes: '/api/pairing-codes',
} as const;

/** The session cookie the sign-in URL sets (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'nanoclaw_session';

/** The file in the data dir holding a bearer token of the local owner (mode 0600), read by `nanoclaw chat`. */
export const LOCAL_TOKEN_FILE = 'web-owner.token';

/** Control (Cc), format (Cf) and line/paragraph separator (Zl, Zp) characters: never part of an id. */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const ident = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_OR_FORMAT.test(s), 'must not contain control or format characters');

/** A chat id in `?chat=` of /api/events: what {@link PostMessage} accepts as `chat`. */
export const ChatId = ident(256);

/** A user name as an authenticating proxy sends it (the user id is `web:<name>`). */
export const WebIdent = ident(200);

export const PostMessage = z.strictObject({
  text: z.string().min(1, 'text must not be empty').max(32_000),
  chat: ChatId.optional(),
  thread: ident(256).nullable().optional(),
  mention: z.boolean().optional(),
});
export type PostMessage = z.infer<typeof PostMessage>;

export const PostAction = z.strictObject({
  questionId: ident(200),
  value: z.string().min(1).max(200),
});
export type PostAction = z.infer<typeof PostAction>;

/** Asks for a pairing code for a chat channel (the same as `nanoclaw pair <channel> [--agent …]`). */
export const PostPairingCode = z.strictObject({
  channel: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a channel like "telegram"'),
  agentGroup: ident(200).optional(),
});
export type PostPairingCode = z.infer<typeof PostPairingCode>;

export interface PairingCodeIssued {
  code: string;
  expiresAt: string;
}

/**
 * The optional request header of POST /api/messages that makes a retry safe: the same key from the same user
 * within {@link IDEMPOTENCY_TTL_HOURS} gets the first request's 202 answer back and writes nothing again. Any
 * {@link IdempotencyKey} (a UUID, say); one key per message the user typed.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, 'must be 8–128 characters of A–Z a–z 0–9 . _ : -');
export const IDEMPOTENCY_TTL_HOURS = 24;

/** The 202 answer to POST /api/messages. */
export interface MessageAccepted {
  /** The message's id: the `id` of its {@link WebMessage} in the chat's history (author kind `user`). */
  id: string;
  /** Sessions the message was written to. */
  delivered: number;
  /** Why it reached no agent, when it did not. */
  dropped: string | null;
}

/**
 * What a person is told when their message reached no agent (MessageAccepted.dropped), by reason code; the code
 * stays in the answer for programs. `command` (the host answered it itself) needs no sentence.
 */
export const DROP_SENTENCES: Record<string, string> = {
  no_agent_wired: 'No agent is connected to this chat yet: an owner has to wire one to it.',
  no_agent_engaged:
    "No agent took this message: this chat's agents answer only when mentioned or when it matches their pattern.",
  unknown_sender_strict:
    'You are not a member of this chat, so no agent received your message. Ask an owner or admin to add you.',
  unknown_sender_request_approval:
    'You are not a member of this chat yet: an admin has been asked to let you in; your message waits until then.',
  no_approver_reachable:
    'You are not a member of this chat yet, and no admin could be reached to let you in. Try again later.',
  sender_scope: 'The agents of this chat answer only some of its members; your message was not passed on.',
  denied_chat: 'This chat has been blocked by an owner; nothing sent here reaches an agent.',
  no_sender_identity: 'Messages without a known sender are not passed on to an agent.',
  pairing_refused: 'That pairing code was not accepted: it is wrong, used or expired.',
  ignored: 'The message was not addressed to an agent.',
};

/** The sentence for a drop reason; null for `command` and for no reason. */
export function dropSentence(reason: string | null): string | null {
  if (reason === null || reason === 'command') return null;
  return DROP_SENTENCES[reason] ?? `Your message reached no agent (${reason}).`;
}

/** Any 4xx/5xx answer: `field` names the offending request field when there is one (`sender` is refused). */
export interface ApiError {
  error: string;
  field: string | null;
}

/** The SSE event name of a message in the chat: a delivery, a host notice, or a person's message. */
export const MESSAGE_EVENT = 'message';

/**
 * The SSE event sent once per connection after the stored messages it starts with (history or the missed ones):
 * data `{count}`, no event id. What follows is live.
 */
export const REPLAYED_EVENT = 'replayed';

/** The SSE event name of an agent's working state; typing events are not stored and carry no event id. */
export const TYPING_EVENT = 'typing';

/**
 * Who wrote a message: an agent group (its display name, agent_groups.name), NanoClaw itself (command answers,
 * refusals, failure notices, approval cards), or a person (their display name, else their handle).
 */
export interface WebAuthor {
  kind: 'agent' | 'host' | 'user';
  name: string;
  /** The agent group, for kind `agent`; null otherwise. */
  agentGroupId: string | null;
}

/** The data (JSON) of a `message` event. Its SSE id is the event id (see {@link parseEventId}). */
export interface WebMessage {
  /** The message's id in the chat: what `inReplyTo` and a MessageAccepted's `id` name. */
  id: string;
  chat: string;
  thread: string | null;
  author: WebAuthor;
  /** `error`: a host notice of something that went wrong (a refused command, a failed delivery). */
  level: 'info' | 'error';
  /** The Markdown source; clients that render it must not render raw HTML. */
  text: string;
  /** The text rendered to a safe HTML subset by the host (markdown.ts): no raw HTML, only http/https/mailto links. */
  html: string;
  inReplyTo: string | null;
  /** When the host stored it (ISO 8601). */
  createdAt: string;
  question?: { questionId: string; title: string; options: { label: string; value: string }[] };
}

/** The data (JSON) of a `typing` event: an agent started (active) or stopped working on a message. */
export interface WebTyping {
  chat: string;
  thread: string | null;
  /** The working agent group; null when the host does not know which. */
  agent: { id: string; name: string } | null;
  active: boolean;
}

/** The 200 answer to GET /api/chats. */
export interface ChatList {
  /** The signed-in user, named as their own messages are (WebAuthor.name). */
  me: { id: string; name: string };
  /** The chat a request without `chat` goes to. */
  defaultChat: string;
  chats: { id: string; name: string | null; kind: 'chat' | 'dm' }[];
}

/**
 * Event ids are the decimal row id of the stored message: they grow across host restarts, so a client compares
 * them as numbers and resumes from the last one it saw. A client shows an event id at most once.
 */
export function parseEventId(id: string): number | null {
  return /^[0-9]{1,15}$/.test(id) ? Number(id) : null;
}
