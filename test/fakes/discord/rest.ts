/**
 * The fake Discord's REST API under /api/v10 (the part a bot uses), plus the CDN path its attachments are served
 * from. It answers as Discord does — JSON bodies, `{message, code}` errors, 429s with retry_after in the body and
 * Retry-After / X-RateLimit-* headers — and records everything the bot asked for.
 */
import type http from 'node:http';
import {
  dmChannel,
  message,
  snowflake,
  type ApiAttachment,
  type ApiChannel,
  type ApiUser,
} from './payloads.js';

export interface SentMessage {
  id: string;
  channelId: string;
  content: string;
  components: { type: number; components: { custom_id: string; label: string }[] }[];
  files: { name: string; data: Buffer }[];
  messageReference: { message_id: string } | null;
  allowedMentions: unknown;
}

interface Fault {
  method: string;
  path: RegExp;
  remaining: number;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const MAX_CONTENT = 2000;

function apiError(status: number, code: number, msg: string, extra: object = {}) {
  return { status, body: { message: msg, code, ...extra } };
}

export class FakeRest {
  readonly channels = new Map<string, ApiChannel>();
  /** Every message the fake knows (injected inbound ones and the bot's), by id. */
  readonly messages = new Map<string, Record<string, unknown>>();
  readonly users = new Map<string, ApiUser>();
  readonly sent: SentMessage[] = [];
  readonly edits: { channelId: string; messageId: string; content: string }[] = [];
  readonly reactions: { channelId: string; messageId: string; emoji: string }[] = [];
  readonly typing: string[] = [];
  readonly dmOpens: string[] = [];
  readonly callbacks: { interactionId: string; type: number; data: Record<string, unknown> | null }[] = [];
  readonly interactions = new Set<string>();
  /** Every API request: method, path (without /api/v10) and when. */
  readonly requests: { method: string; path: string; at: number; status: number }[] = [];
  private readonly files = new Map<string, { data: Buffer; contentType: string }>();
  private readonly faults: Fault[] = [];

  constructor(
    private readonly token: string,
    readonly bot: ApiUser,
    private readonly base: () => string,
    private readonly gatewayUrl: () => string,
  ) {}

  /** Serves a file the way Discord's CDN does and describes it as a message attachment. */
  hostFile(name: string, data: Buffer, contentType = 'application/octet-stream'): ApiAttachment {
    const id = snowflake();
    const path = `/attachments/${id}/${encodeURIComponent(name)}`;
    this.files.set(path, { data, contentType });
    const url = `${this.base()}${path}`;
    return { id, filename: name, size: data.length, url, proxy_url: url, content_type: contentType };
  }

  /** The next `count` requests matching method + path get 429 with retry_after `seconds`. */
  rateLimit(method: string, path: RegExp, count: number, seconds: number): void {
    this.faults.push({
      method,
      path,
      remaining: count,
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
      headers: {
        'Retry-After': String(Math.ceil(seconds)),
        'X-RateLimit-Limit': '5',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset-After': String(seconds),
        'X-RateLimit-Bucket': 'fake-bucket',
        'X-RateLimit-Scope': 'user',
      },
    });
  }

  /** The next `count` requests matching method + path fail with this status and Discord error body. */
  failNext(method: string, path: RegExp, count: number, status: number, code: number, msg: string): void {
    this.faults.push({ method, path, remaining: count, status, body: { message: msg, code }, headers: {} });
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (method === 'GET' && this.files.has(url.pathname)) {
      const f = this.files.get(url.pathname)!;
      res.writeHead(200, { 'content-type': f.contentType, 'content-length': f.data.length });
      res.end(f.data);
      return;
    }
    if (!url.pathname.startsWith('/api/v10/')) return send(res, 404, { message: '404: Not Found', code: 0 });
    const path = url.pathname.slice('/api/v10'.length);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      this.requests.push({ method, path, at: Date.now(), status });
      send(res, status, payload, headers);
    };
    const fault = this.faults.find((f) => f.remaining > 0 && f.method === method && f.path.test(path));
    if (fault) {
      fault.remaining--;
      return reply(fault.status, fault.body, fault.headers);
    }
    const isCallback = path.startsWith('/interactions/');
    if (!isCallback && req.headers.authorization !== `Bot ${this.token}`)
      return reply(401, { message: '401: Unauthorized', code: 0 });
    try {
      const out = await this.route(method, path, body, req.headers['content-type'] ?? '');
      reply(out.status, out.body);
    } catch (err) {
      reply(400, { message: `fake discord: ${(err as Error).message}`, code: 50035 });
    }
  }

  private async route(
    method: string,
    path: string,
    body: Buffer,
    contentType: string,
  ): Promise<{ status: number; body: unknown }> {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot')
      return {
        status: 200,
        body: {
          url: this.gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    if (method === 'GET' && path === '/users/@me') return { status: 200, body: this.bot };
    if (method === 'POST' && path === '/users/@me/channels') return this.openDm(json(body));
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
      const ch = this.channels.get(m[1]!);
      return ch ? { status: 200, body: ch } : apiError(404, 10003, 'Unknown Channel');
    }
    if ((m = /^\/channels\/(\d+)\/typing$/.exec(path)) && method === 'POST') {
      if (!this.channels.has(m[1]!)) return apiError(404, 10003, 'Unknown Channel');
      this.typing.push(m[1]!);
      return { status: 204, body: null };
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST')
      return this.createMessage(m[1]!, await parsePayload(body, contentType));
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH')
      return this.editMessage(m[1]!, m[2]!, json(body));
    if (
      (m = /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/.exec(path)) &&
      method === 'PUT'
    ) {
      if (!this.messages.has(m[2]!)) return apiError(404, 10008, 'Unknown Message');
      this.reactions.push({ channelId: m[1]!, messageId: m[2]!, emoji: decodeURIComponent(m[3]!) });
      return { status: 204, body: null };
    }
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === 'POST') {
      if (!this.interactions.delete(m[1]!)) return apiError(404, 10062, 'Unknown interaction');
      const b = json(body) as { type: number; data?: Record<string, unknown> };
      this.callbacks.push({ interactionId: m[1]!, type: b.type, data: b.data ?? null });
      return { status: 204, body: null };
    }
    return apiError(404, 0, '404: Not Found');
  }

  private openDm(b: unknown): { status: number; body: unknown } {
    const recipientId = (b as { recipient_id?: string }).recipient_id ?? '';
    const recipient = this.users.get(recipientId);
    if (!recipient) return apiError(400, 50033, 'Invalid Recipient(s)');
    this.dmOpens.push(recipientId);
    const existing = [...this.channels.values()].find(
      (c) => c.type === 1 && c.recipients?.[0]?.id === recipientId,
    );
    const channel = existing ?? dmChannel(snowflake(), recipient);
    this.channels.set(channel.id, channel);
    return { status: 200, body: channel };
  }

  private createMessage(channelId: string, p: ParsedPayload): { status: number; body: unknown } {
    const channel = this.channels.get(channelId);
    if (!channel) return apiError(404, 10003, 'Unknown Channel');
    const content = typeof p.json.content === 'string' ? p.json.content : '';
    const components = (p.json.components ?? []) as SentMessage['components'];
    if (content.length > MAX_CONTENT)
      return apiError(400, 50035, 'Invalid Form Body', {
        errors: {
          content: {
            _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }],
          },
        },
      });
    if (!content && p.files.length === 0 && components.length === 0)
      return apiError(400, 50006, 'Cannot send an empty message');
    if (components.some((r) => r.components.some((c) => c.custom_id.length > 100)))
      return apiError(400, 50035, 'Invalid Form Body');
    const ref = (p.json.message_reference as { message_id: string } | undefined) ?? null;
    const attachments = p.files.map((f) => this.hostFile(f.name, f.data));
    const msg = message({
      channelId,
      ...(channel.guild_id ? { guildId: channel.guild_id } : {}),
      author: this.bot,
      content,
      attachments,
      channelType: channel.type,
      ...(ref && this.messages.has(ref.message_id) ? { referenced: this.messages.get(ref.message_id)! } : {}),
    });
    msg.components = components;
    this.messages.set(msg.id as string, msg);
    this.sent.push({
      id: msg.id as string,
      channelId,
      content,
      components,
      files: p.files,
      messageReference: ref,
      allowedMentions: p.json.allowed_mentions,
    });
    return { status: 200, body: msg };
  }

  private editMessage(channelId: string, messageId: string, b: unknown): { status: number; body: unknown } {
    const msg = this.messages.get(messageId);
    if (!msg || msg.channel_id !== channelId) return apiError(404, 10008, 'Unknown Message');
    if ((msg.author as ApiUser).id !== this.bot.id)
      return apiError(403, 50005, 'Cannot edit a message authored by another user');
    const patch = b as { content?: string; components?: unknown[] };
    if (typeof patch.content === 'string') {
      if (patch.content.length > MAX_CONTENT) return apiError(400, 50035, 'Invalid Form Body');
      msg.content = patch.content;
      this.edits.push({ channelId, messageId, content: patch.content });
    }
    if (patch.components) msg.components = patch.components;
    msg.edited_timestamp = new Date().toISOString();
    return { status: 200, body: msg };
  }
}

interface ParsedPayload {
  json: Record<string, unknown>;
  files: { name: string; data: Buffer }[];
}

/** A message body: JSON, or multipart/form-data with payload_json and files[n] as Discord takes it. */
async function parsePayload(body: Buffer, contentType: string): Promise<ParsedPayload> {
  if (!contentType.startsWith('multipart/form-data'))
    return { json: json(body) as Record<string, unknown>, files: [] };
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const files: ParsedPayload['files'] = [];
  let payload: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key === 'payload_json' && typeof value === 'string')
      payload = JSON.parse(value) as Record<string, unknown>;
    else if (/^files\[\d+\]$/.test(key) && typeof value !== 'string')
      files.push({ name: value.name, data: Buffer.from(await value.arrayBuffer()) });
  }
  return { json: payload, files };
}

function json(body: Buffer): unknown {
  return body.length ? JSON.parse(body.toString('utf8')) : {};
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || payload === null) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
