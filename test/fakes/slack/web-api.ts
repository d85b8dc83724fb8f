/**
 * The Web API half of the fake Slack: `POST /api/<method>` with form or JSON bodies and `Authorization: Bearer`,
 * answering like Slack (HTTP 200 with `ok: false, error` for refusals, 429 with Retry-After when a test asks for
 * it). Also the v2 upload URLs the SDK posts file bytes to, and `GET /files/<id>` for inbound file downloads
 * (url_private with the bot token). Everything the bot does is recorded for tests to assert on.
 */
import type http from 'node:http';

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  token: string | null;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  blocks?: unknown[];
}

export interface Upload {
  fileId: string;
  filename: string;
  title?: string;
  data: Buffer;
  channel_id?: string;
  thread_ts?: string;
}

export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string };
}

export interface Identity {
  teamId: string;
  teamName: string;
  botUserId: string;
  botName: string;
  botId: string;
  botToken: string;
  appToken: string;
}

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;

export class FakeWebApi {
  readonly calls: ApiCall[] = [];
  readonly posted: PostedMessage[] = [];
  readonly updates: { channel: string; ts: string; text: string; blocks?: unknown[] }[] = [];
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  readonly reactions: { channel: string; timestamp: string; name: string }[] = [];
  readonly uploads: Upload[] = [];
  readonly users = new Map<string, SlackUser>();
  readonly dms = new Map<string, string>();
  /** Files a test offers for inbound download: id → bytes. */
  readonly hosted = new Map<string, { data: Buffer; mimetype: string }>();
  private readonly pendingUploads = new Map<string, { filename: string; length: number; data?: Buffer }>();
  private readonly limits = new Map<string, { times: number; retryAfter: number }>();
  private readonly failures = new Map<string, string[]>();
  private seq = 0;

  constructor(
    readonly id: Identity,
    private readonly baseUrl: () => string,
  ) {}

  /** The next `times` calls of `method` get 429 with `Retry-After: retryAfter`. */
  rateLimit(method: string, times: number, retryAfter: number): void {
    this.limits.set(method, { times, retryAfter });
  }

  /** The next call of `method` answers `ok: false, error`. */
  failNext(method: string, error: string): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  nextTs(): string {
    this.seq += 1;
    return `${1_700_000_000 + this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const raw = await readAll(req);
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) return this.download(req, res, url);
    if (req.method === 'POST' && url.pathname.startsWith('/upload/'))
      return this.receiveUpload(req, res, url, raw);
    const m = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) return json(res, 404, { ok: false, error: 'unknown_method' });
    const method = m[1]!;
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const token = bearer(req) ?? (typeof args.token === 'string' ? args.token : null);
    this.calls.push({ method, args, token, at: Date.now() });
    const limit = this.limits.get(method);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfter) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const wanted = method === 'apps.connections.open' ? this.id.appToken : this.id.botToken;
    if (token !== wanted) return json(res, 200, { ok: false, error: token ? 'invalid_auth' : 'not_authed' });
    const failure = this.failures.get(method)?.shift();
    if (failure) return json(res, 200, { ok: false, error: failure });
    const handler = this.methods[method];
    json(res, 200, handler ? handler(args) : { ok: false, error: 'unknown_method' });
  }

  private readonly methods: Record<string, (a: Args) => Result> = {
    'auth.test': () => ({
      ok: true,
      url: 'https://fake.slack.test/',
      team: this.id.teamName,
      user: this.id.botName,
      team_id: this.id.teamId,
      user_id: this.id.botUserId,
      bot_id: this.id.botId,
    }),
    'apps.connections.open': () => ({ ok: true, url: `${this.baseUrl().replace(/^http/, 'ws')}/socket` }),
    'chat.postMessage': (a) => {
      const channel = str(a.channel);
      if (!/^[CGD][A-Z0-9]+$/.test(channel)) return { ok: false, error: 'channel_not_found' };
      if (!a.text && !a.blocks) return { ok: false, error: 'no_text' };
      const msg: PostedMessage = {
        channel,
        ts: this.nextTs(),
        text: str(a.text),
        ...(a.thread_ts ? { thread_ts: str(a.thread_ts) } : {}),
        ...(a.blocks ? { blocks: jsonArg(a.blocks) as unknown[] } : {}),
      };
      this.posted.push(msg);
      return {
        ok: true,
        channel,
        ts: msg.ts,
        message: { ...msg, user: this.id.botUserId, bot_id: this.id.botId },
      };
    },
    'chat.update': (a) => {
      const msg = this.posted.find((p) => p.channel === a.channel && p.ts === a.ts);
      if (!msg) return { ok: false, error: 'message_not_found' };
      const blocks = a.blocks ? (jsonArg(a.blocks) as unknown[]) : undefined;
      this.updates.push({
        channel: msg.channel,
        ts: msg.ts,
        text: str(a.text),
        ...(blocks ? { blocks } : {}),
      });
      msg.text = str(a.text);
      return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text };
    },
    'chat.postEphemeral': (a) => {
      this.ephemerals.push({ channel: str(a.channel), user: str(a.user), text: str(a.text) });
      return { ok: true, message_ts: this.nextTs() };
    },
    'reactions.add': (a) => {
      const r = { channel: str(a.channel), timestamp: str(a.timestamp), name: str(a.name) };
      if (!r.channel || !r.timestamp) return { ok: false, error: 'invalid_arguments' };
      if (
        this.reactions.some(
          (x) => x.channel === r.channel && x.timestamp === r.timestamp && x.name === r.name,
        )
      )
        return { ok: false, error: 'already_reacted' };
      this.reactions.push(r);
      return { ok: true };
    },
    'conversations.open': (a) => {
      const user = str(a.users);
      if (!this.users.has(user)) return { ok: false, error: 'user_not_found' };
      const id = this.dms.get(user) ?? `D${user.slice(1)}`;
      this.dms.set(user, id);
      return { ok: true, channel: { id } };
    },
    'conversations.info': (a) => {
      const id = str(a.channel);
      return { ok: true, channel: { id, is_im: id.startsWith('D'), is_channel: id.startsWith('C') } };
    },
    'users.info': (a) => {
      const user = this.users.get(str(a.user));
      return user ? { ok: true, user } : { ok: false, error: 'user_not_found' };
    },
    'files.getUploadURLExternal': (a) => {
      const fileId = `F${String(this.pendingUploads.size + this.uploads.length + 1).padStart(6, '0')}`;
      this.pendingUploads.set(fileId, { filename: str(a.filename), length: Number(a.length) });
      return { ok: true, upload_url: `${this.baseUrl()}/upload/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (a) => {
      const files = jsonArg(a.files) as { id: string; title?: string }[];
      for (const f of files) {
        const pending = this.pendingUploads.get(f.id);
        if (!pending?.data) return { ok: false, error: 'file_not_found' };
        this.pendingUploads.delete(f.id);
        this.uploads.push({
          fileId: f.id,
          filename: pending.filename,
          data: pending.data,
          ...(f.title ? { title: f.title } : {}),
          ...(a.channel_id ? { channel_id: str(a.channel_id) } : {}),
          ...(a.thread_ts ? { thread_ts: str(a.thread_ts) } : {}),
        });
      }
      return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
    },
  };

  private async receiveUpload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: Buffer) {
    const pending = this.pendingUploads.get(url.pathname.slice('/upload/'.length));
    if (!pending) return text(res, 404, 'no such upload');
    const form = await new Request('http://fake/upload', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    }).formData();
    const part = form.get('body') ?? form.get('file');
    if (!part || typeof part === 'string') return text(res, 400, 'no file part');
    pending.data = Buffer.from(await part.arrayBuffer());
    text(res, 200, `OK - ${pending.data.length}`);
  }

  private download(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    if (bearer(req) !== this.id.botToken) {
      res.writeHead(302, { location: 'https://fake.slack.test/login' }).end();
      return;
    }
    const file = this.hosted.get(url.pathname.slice('/files/'.length));
    if (!file) return text(res, 404, 'not found');
    res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.data.length) });
    res.end(file.data);
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

/** The SDK sends arrays and objects as JSON strings inside form bodies. */
function jsonArg(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function parseArgs(contentType: string, raw: Buffer): Args {
  const body = raw.toString('utf8');
  if (contentType.startsWith('application/json')) return body ? (JSON.parse(body) as Args) : {};
  return Object.fromEntries(new URLSearchParams(body));
}

function bearer(req: http.IncomingMessage): string | null {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
}
