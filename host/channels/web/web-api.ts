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
  /** GET `?chat=…` (and `?after=<event id>` or a Last-Event-ID header to resume) → server-sent events. */
  events: '/api/events',
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

/** The 202 answer to POST /api/messages. */
export interface MessageAccepted {
  id: string;
  /** Sessions the message was written to. */
  delivered: number;
  /** Why it reached no agent, when it did not. */
  dropped: string | null;
}

/** Any 4xx/5xx answer: `field` names the offending request field when there is one (`sender` is refused). */
export interface ApiError {
  error: string;
  field: string | null;
}

/** The SSE event name of a delivery. */
export const MESSAGE_EVENT = 'message';

/** The data (JSON) of a `message` event: one delivery to the chat. */
export interface WebMessage {
  id: string;
  chat: string;
  thread: string | null;
  text: string;
  inReplyTo: string | null;
  question?: { questionId: string; title: string; options: { label: string; value: string }[] };
}

/** A delivery inside the host process: the message and its sequence number, which becomes its event id. */
export interface WebEvent extends WebMessage {
  /** Monotonic per host process. */
  seq: number;
}

/**
 * Event ids are `<boot>.<seq>`: `boot` names the host process that sent the event, so a client resuming from an
 * id of an earlier process can be told it missed everything the current one has sent.
 */
export function eventId(boot: string, seq: number): string {
  return `${boot}.${seq}`;
}

/** The parts of an event id, or null when it is not `<boot>.<decimal seq>`. */
export function parseEventId(id: string): { boot: string; seq: number } | null {
  const m = /^([^.]*)\.([0-9]+)$/.exec(id);
  return m ? { boot: m[1]!, seq: Number(m[2]) } : null;
}
