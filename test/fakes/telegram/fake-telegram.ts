/**
 * A local Telegram Bot API for tests, on 127.0.0.1 and a free port: `POST|GET /bot<token>/<method>` with JSON,
 * form or multipart bodies, answering `{ok, result}` or `{ok:false, error_code, description, parameters}` like
 * the real one, and files at `/file/bot<token>/<file_path>`.
 *
 * It records every call, lets a test inject updates (served by getUpdates long polling, or pushed to the webhook
 * with its secret header), queue failures (429 with retry_after, any error), dropped connections and malformed
 * bodies, and checks what bots send as strictly as Telegram does (HTML parse mode, 4096 characters, reaction
 * set, message to edit exists). Every hold and wait is bounded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRequestBody, type UploadedFile } from './request-body.js';
import { parseTelegramHtml } from './telegram-html.js';
import { UpdateQueue } from './update-queue.js';

export interface FakeBot {
  token: string;
  id: number;
  username: string;
}

export interface ApiCall {
  token: string;
  method: string;
  params: Record<string, unknown>;
  files: UploadedFile[];
}

export interface SentMessage {
  message_id: number;
  chat_id: string;
  text: string;
  html: string | null;
  message_thread_id?: number;
  reply_markup?: unknown;
  document?: UploadedFile;
}

type Injected =
  /** The call is served as usual (so a failure can be queued for a later call). */
  | { kind: 'pass' }
  | { kind: 'error'; error_code: number; description: string; retry_after?: number }
  | { kind: 'drop' }
  | { kind: 'raw'; body: string };

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** A part of Telegram's reaction set, enough for the tests (the adapter checks the whole set itself). */
const REACTIONS = new Set('👍 👎 ❤ 🔥 🎉 👀 🙏 👌 😁 🤔 💯 🏆 ✍ 🤝 😢'.split(' '));

export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  readonly messages: SentMessage[] = [];
  readonly files = new Map<string, { path: string; data: Buffer }>();
  private readonly bots = new Map<string, FakeBot>();
  private readonly queues = new Map<string, UpdateQueue>();
  private readonly webhooks = new Map<string, { url: string; secret: string | undefined }>();
  private readonly injected = new Map<string, Injected[]>();
  private readonly changed = new Set<() => void>();
  private nextMessageId = 1000;
  private server!: http.Server;
  apiRoot = '';

  static async start(bots: FakeBot[]): Promise<FakeTelegram> {
    const fake = new FakeTelegram();
    for (const b of bots) {
      fake.bots.set(b.token, b);
      fake.queues.set(b.token, new UpdateQueue());
    }
    fake.server = http.createServer((req, res) => {
      fake.serve(req, res).catch((err: unknown) => {
        fake.reply(res, { ok: false, error_code: 500, description: `fake: ${(err as Error).message}` }, 500);
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.apiRoot = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const q of this.queues.values()) q.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Queues an update for the bot; returns its update_id. */
  inject(token: string, update: Record<string, unknown>): number {
    const id = this.queues.get(token)!.push(update);
    this.notify();
    return id;
  }

  /** Updates not yet confirmed by a getUpdates offset. */
  pending(token: string): number[] {
    return this.queues.get(token)!.pending();
  }

  /** getUpdates requests of the bot held right now, and the most held at once. */
  polls(token: string): { active: number; max: number } {
    return this.queues.get(token)!.stats;
  }

  /** The next `times` calls of `method` fail as told. */
  failNext(method: string, failure: Injected, times = 1): void {
    const list = this.injected.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.injected.set(method, list);
  }

  addFile(fileId: string, path: string, data: Buffer): void {
    this.files.set(fileId, { path, data });
  }

  webhook(token: string): { url: string; secret: string | undefined } | null {
    return this.webhooks.get(token) ?? null;
  }

  /** Pushes an update to the bot's webhook as Telegram does; resolves with the HTTP status. */
  async pushWebhook(token: string, update: Record<string, unknown>, secret?: string): Promise<number> {
    const hook = this.webhooks.get(token);
    if (!hook) throw new Error('no webhook set for this bot');
    const q = this.queues.get(token)!;
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...((secret ?? hook.secret) ? { 'x-telegram-bot-api-secret-token': secret ?? hook.secret! } : {}),
      },
      body: JSON.stringify({ update_id: q.allocate(), ...update }),
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first truthy value of `check`, re-checked on every call or update, within the timeout. */
  waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const v = check();
        if (!v) return false;
        this.changed.delete(attempt);
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        this.changed.delete(attempt);
        reject(new Error(`fake telegram: timed out waiting for ${what}`));
      }, timeoutMs);
      if (!attempt()) this.changed.add(attempt);
    });
  }

  private notify(): void {
    for (const c of [...this.changed]) c();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.serveFile(file[1]!, file[2]!, res);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const body = await new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts)));
    });
    if (!m) return this.reply(res, { ok: false, error_code: 404, description: 'Not Found' }, 404);
    const [, token, method] = m as unknown as [string, string, string];
    const bot = this.bots.get(token);
    if (!bot) return this.reply(res, { ok: false, error_code: 401, description: 'Unauthorized' }, 401);
    let call: ApiCall;
    try {
      call = { token, method, ...parseRequestBody(req.headers['content-type'] ?? '', url, body) };
    } catch (err) {
      return this.reply(res, { ok: false, error_code: 400, description: (err as Error).message }, 400);
    }
    this.calls.push(call);
    this.notify();
    const injected = this.injected.get(method)?.shift();
    if (injected?.kind === 'drop') return void req.socket.destroy();
    if (injected?.kind === 'raw')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(injected.body);
    if (injected?.kind === 'error')
      return this.reply(
        res,
        {
          ok: false,
          error_code: injected.error_code,
          description: injected.description,
          ...(injected.retry_after !== undefined
            ? { parameters: { retry_after: injected.retry_after } }
            : {}),
        },
        injected.error_code,
      );
    try {
      const result = await this.method(bot, call, res);
      if (result !== undefined) this.reply(res, { ok: true, result });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.reply(
        res,
        {
          ok: false,
          error_code: err.code,
          description: err.message,
          ...(err.retryAfter ? { parameters: { retry_after: err.retryAfter } } : {}),
        },
        err.code,
      );
    }
    this.notify();
  }

  private reply(res: http.ServerResponse, body: unknown, status = 200): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private serveFile(token: string, path: string, res: http.ServerResponse): void {
    const f = [...this.files.values()].find((x) => x.path === path);
    if (!this.bots.has(token) || !f) return void res.writeHead(404).end('Not Found');
    res
      .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.data.length })
      .end(f.data);
  }

  private method(bot: FakeBot, call: ApiCall, res: http.ServerResponse): unknown {
    const p = call.params;
    switch (call.method) {
      case 'getMe':
        return { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username };
      case 'getUpdates':
        return this.getUpdates(bot.token, p, res);
      case 'setWebhook':
        this.webhooks.set(bot.token, { url: String(p.url), secret: p.secret_token as string | undefined });
        return true;
      case 'deleteWebhook':
        this.webhooks.delete(bot.token);
        return true;
      case 'sendMessage':
        return this.sendMessage(bot, p);
      case 'editMessageText': {
        const msg = this.messages.find(
          (x) => x.chat_id === String(p.chat_id) && x.message_id === Number(p.message_id),
        );
        if (!msg) throw new ApiError(400, 'Bad Request: message to edit not found');
        const text = this.visible(p);
        if (text === msg.text) throw new ApiError(400, 'Bad Request: message is not modified');
        msg.text = text;
        msg.html = p.parse_mode === 'HTML' ? String(p.text) : null;
        return this.asMessage(bot, msg);
      }
      case 'setMessageReaction': {
        const reactions = (p.reaction ?? []) as { type: string; emoji?: string }[];
        if (reactions.some((r) => r.type !== 'emoji' || !REACTIONS.has(r.emoji ?? '')))
          throw new ApiError(400, 'Bad Request: REACTION_INVALID');
        return true;
      }
      case 'sendChatAction':
      case 'answerCallbackQuery':
        return true;
      case 'sendDocument': {
        const ref = typeof p.document === 'string' ? p.document : '';
        const doc = call.files.find((f) => `attach://${f.field}` === ref);
        if (!doc) throw new ApiError(400, 'Bad Request: there is no document in the request');
        const msg = this.store(p, '', null);
        msg.document = doc;
        return this.asMessage(bot, msg);
      }
      case 'getFile': {
        const f = this.files.get(String(p.file_id));
        if (!f) throw new ApiError(400, 'Bad Request: invalid file_id');
        return {
          file_id: p.file_id,
          file_unique_id: `u-${String(p.file_id)}`,
          file_size: f.data.length,
          file_path: f.path,
        };
      }
      default:
        throw new ApiError(404, 'Not Found');
    }
  }

  private visible(p: Record<string, unknown>): string {
    const raw = typeof p.text === 'string' ? p.text : '';
    let text: string;
    try {
      text = p.parse_mode === 'HTML' ? parseTelegramHtml(raw) : raw;
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
    if (!text.trim()) throw new ApiError(400, 'Bad Request: message text is empty');
    if (text.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
    return text;
  }

  private store(p: Record<string, unknown>, text: string, html: string | null): SentMessage {
    const msg: SentMessage = {
      message_id: this.nextMessageId++,
      chat_id: String(p.chat_id),
      text,
      html,
      ...(p.message_thread_id !== undefined ? { message_thread_id: Number(p.message_thread_id) } : {}),
      ...(p.reply_markup !== undefined ? { reply_markup: p.reply_markup } : {}),
    };
    this.messages.push(msg);
    return msg;
  }

  private sendMessage(bot: FakeBot, p: Record<string, unknown>): unknown {
    if (p.chat_id === undefined || p.chat_id === '') throw new ApiError(400, 'Bad Request: chat_id is empty');
    const text = this.visible(p);
    return this.asMessage(bot, this.store(p, text, p.parse_mode === 'HTML' ? String(p.text) : null));
  }

  private asMessage(bot: FakeBot, m: SentMessage): unknown {
    const id = Number(m.chat_id);
    return {
      message_id: m.message_id,
      date: Math.floor(Date.now() / 1000),
      chat: { id, type: id > 0 ? 'private' : 'supergroup' },
      from: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username },
      ...(m.text ? { text: m.text } : {}),
      ...(m.message_thread_id !== undefined
        ? { message_thread_id: m.message_thread_id, is_topic_message: true }
        : {}),
      ...(m.document
        ? {
            document: {
              file_id: `doc-${m.message_id}`,
              file_unique_id: `u${m.message_id}`,
              file_name: m.document.filename,
              file_size: m.document.data.length,
            },
          }
        : {}),
    };
  }

  private async getUpdates(
    token: string,
    p: Record<string, unknown>,
    res: http.ServerResponse,
  ): Promise<unknown> {
    if (this.webhooks.has(token))
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const got = await this.queues.get(token)!.poll(p, (gone) => {
      res.on('close', gone);
      return () => res.off('close', gone);
    });
    if (got === 'conflict')
      throw new ApiError(
        409,
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      );
    return got;
  }
}
