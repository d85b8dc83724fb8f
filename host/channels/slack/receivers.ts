/**
 * Bolt receivers that acknowledge an event to Slack only after Bolt's listeners (and so the host's sink) finished.
 * Bolt acks Events API payloads before it runs listeners; here that ack is only recorded, and the real one — the
 * HTTP 200 of the Events API, the envelope ack of Socket Mode — is sent once `app.processEvent` resolved. When the
 * host could not take the message (NotTakenError) nothing is acked, so Slack redelivers; any other failure inside
 * Bolt (a payload it cannot handle) is logged and acked, so a malformed event is dropped, not redelivered forever.
 *
 * WebhookReceiver serves `POST /webhooks/<channelType>` on the host's webhook listener: the signature and
 * timestamp are verified before anything is parsed (401, nothing routed), url_verification is answered with its
 * challenge, a malformed signed body is 400.
 */
import type http from 'node:http';
import type { App, Receiver, ReceiverEvent, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { verifySlackSignature } from './signature.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** The host did not take an event (the sink threw): the event must not be acked. `code` keeps Bolt from wrapping it. */
export class NotTakenError extends Error {
  readonly code = 'nanoclaw_not_taken';
}

/** Runs Bolt's processing of one event and returns what Bolt acked with, without acking anything yet. */
async function processHoldingAck(app: App, event: ReceiverEvent, log: Logger): Promise<unknown> {
  let acked: unknown;
  try {
    await app.processEvent({
      ...event,
      ack: (response?: unknown) => {
        acked = response;
        return Promise.resolve();
      },
    });
  } catch (err) {
    if (err instanceof NotTakenError) throw err;
    log.warn({ err: (err as Error).message }, 'slack payload could not be processed; dropped');
  }
  return acked;
}

/**
 * Whether a Socket Mode frame has the shape the SDK dereferences without checking (`payload.event.type` of an
 * events_api envelope): the SDK would throw an unhandled rejection on anything else.
 */
function wellFormedFrame(data: unknown): boolean {
  if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !Buffer.isBuffer(data)) return false;
  let frame: unknown;
  try {
    frame = JSON.parse(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8'));
  } catch {
    return false;
  }
  if (frame === null || typeof frame !== 'object') return false;
  const f = frame as { type?: unknown; payload?: { event?: { type?: unknown } } };
  if (f.type === 'hello' || f.type === 'disconnect') return true;
  if (typeof f.type !== 'string' || f.payload === null || typeof f.payload !== 'object') return false;
  return f.type !== 'events_api' || typeof f.payload.event?.type === 'string';
}

/**
 * Socket Mode: wraps Bolt's SocketModeReceiver so its envelope ack waits for the listeners, and drops (with a
 * warning, unacked) frames the SDK cannot parse safely instead of letting it throw out of its message handler.
 */
export class DeferredAckSocketReceiver implements Receiver {
  constructor(
    private readonly inner: SocketModeReceiver,
    private readonly log: Logger,
  ) {
    const client = inner.client;
    const handlers = client.listeners('ws_message') as ((data: unknown, isBinary: boolean) => unknown)[];
    client.removeAllListeners('ws_message');
    client.on('ws_message', (data: unknown, isBinary: boolean) => {
      if (!isBinary && !wellFormedFrame(data)) {
        log.warn('slack socket mode frame is malformed; dropped');
        return;
      }
      for (const h of handlers)
        Promise.resolve(h(data, isBinary)).catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'slack socket mode frame failed'),
        );
    });
  }

  init(app: App): void {
    const holding = {
      processEvent: async (event: ReceiverEvent) => event.ack(await processHoldingAck(app, event, this.log)),
    };
    this.inner.init(holding as unknown as App);
  }

  start(): Promise<unknown> {
    return this.inner.start();
  }

  stop(): Promise<unknown> {
    return this.inner.stop();
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The JSON body of an Events API request, or the `payload` of an interactivity form post. */
function parseBody(raw: Buffer, contentType: string): Record<string, unknown> | null {
  try {
    const text = raw.toString('utf8');
    const value: unknown = contentType.startsWith('application/x-www-form-urlencoded')
      ? JSON.parse(new URLSearchParams(text).get('payload') ?? 'null')
      : JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function reply(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined || body === '') {
    res.writeHead(status).end();
  } else if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  } else {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

export class WebhookReceiver implements Receiver {
  private app: App | null = null;

  constructor(
    private readonly signingSecret: string,
    private readonly log: Logger,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.app = null;
    return Promise.resolve();
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === null) return reply(res, 413, 'payload too large\n');
    const check = verifySlackSignature({
      secret: this.signingSecret,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature: header(req, 'x-slack-signature'),
      rawBody: raw,
    });
    if (!check.ok) {
      this.log.warn({ reason: check.reason }, 'slack webhook request refused');
      return reply(res, 401, 'invalid signature\n');
    }
    const body = parseBody(raw, header(req, 'content-type') ?? '');
    if (!body) {
      this.log.warn({ bytes: raw.length }, 'slack webhook body is not a JSON object; dropped');
      return reply(res, 400, 'malformed body\n');
    }
    if (body.type === 'url_verification') return reply(res, 200, { challenge: body.challenge });
    if (body.ssl_check) return reply(res, 200);
    if (!this.app) return reply(res, 503, 'not started\n');
    const retry = Number(header(req, 'x-slack-retry-num'));
    const acked = await processHoldingAck(
      this.app,
      {
        body,
        ack: () => Promise.resolve(),
        ...(Number.isInteger(retry) ? { retryNum: retry } : {}),
        ...(header(req, 'x-slack-retry-reason') ? { retryReason: header(req, 'x-slack-retry-reason') } : {}),
      },
      this.log,
    );
    reply(res, 200, acked);
  }
}
