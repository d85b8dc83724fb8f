/**
 * The credential proxy: runners send model API calls to `<host>/proxy/anthropic/...` with their session token as
 * the API key; the host checks the token (runner-server.ts), swaps in the real key (held only by the host, from a
 * Secret) and streams the call to ANTHROPIC_BASE_URL.
 *
 * Invariants:
 * - The real key is never sent to a runner, logged or put in a status; a log line about a proxied call carries
 *   the session id, method, status and reason — never a token, the key or a body.
 * - A call reaches only the configured upstream origin, under its base path (`https://gw.example/anthropic` →
 *   `https://gw.example/anthropic/v1/messages`), and only an allow-listed path (proxy-route.ts). The upstream URL
 *   is the configured base with an allow-list constant joined on; request input is never parsed as a URL.
 * - Per session: at most `rateBurst` calls at once, refilled at `ratePerMinute` (429 with retry-after), and at
 *   most `maxBodyBytes` of request body (413). The body is read in full before the upstream is contacted, so a
 *   refused call never reaches it.
 * - Every refusal is a JSON body in the Anthropic error shape: `{type: "error", error: {type, message}}`.
 * - An upstream 401/403 (the host's key refused) reaches the runner with `x-should-retry: false`, so the turn
 *   fails at once with the API's message instead of retrying.
 * - With a token meter: a call of an agent group whose monthly budget is reached is refused (403, not retried)
 *   before the upstream is contacted, and the usage of every answered POST /v1/messages (JSON or SSE) is read as
 *   it streams past (usage-tap.ts, bytes unchanged) and recorded for the session's agent group.
 * - Every call is counted once by outcome: `forwarded` (with the upstream's status), `refused` (the proxy's own
 *   4xx/503) or `upstream_error` (no answer from the upstream: 502).
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { MeteredSession, TokenMeter } from '../budget/token-meter.js';
import { UsageTap } from '../budget/usage-tap.js';
import { RateLimiter } from '../rate-limit.js';
import { routeProxyRequest, type ProxyRoute } from './proxy-route.js';

const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
  'x-api-key',
  'content-length',
  'expect',
]);
const LOGGED_PATH_CHARS = 200;

export interface CredentialProxyOptions {
  apiKey: string | undefined;
  /** ANTHROPIC_BASE_URL: an http(s) origin, optionally with a base path. */
  upstream: string;
  maxBodyBytes: number;
  ratePerMinute: number;
  rateBurst: number;
  log: Logger;
  /** Counts tokens per agent group and enforces monthly budgets (budget/token-meter.ts). */
  meter?: Pick<TokenMeter, 'record' | 'refusal'>;
  /** Counts each call (nanoclaw_proxy_requests_total). */
  count?: (labels: { outcome: 'forwarded' | 'refused' | 'upstream_error'; status: string }) => void;
}

type ProxyHandler = (session: MeteredSession, req: http.IncomingMessage, res: http.ServerResponse) => void;

const ERROR_TYPES = {
  400: 'invalid_request_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  502: 'api_error',
  503: 'api_error',
} as const;

function sendError(
  res: http.ServerResponse,
  status: keyof typeof ERROR_TYPES,
  message: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ type: 'error', error: { type: ERROR_TYPES[status], message } }));
}

export function createCredentialProxy(opts: CredentialProxyOptions): ProxyHandler {
  const base = new URL(opts.upstream);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new Error(`ANTHROPIC_BASE_URL must be http(s), not ${base.protocol}`);
  const basePath = base.pathname.replace(/\/+$/, '');
  const client = base.protocol === 'https:' ? https : http;
  const limiter = new RateLimiter({ perMinute: opts.ratePerMinute, burst: opts.rateBurst });

  const targetOf = (route: Extract<ProxyRoute, { ok: true }>): URL => {
    const url = new URL(base.origin);
    url.pathname = basePath + route.path;
    url.search = route.query;
    return url;
  };

  const count = opts.count ?? (() => undefined);
  return (session, req, res) => {
    const sessionId = session.id;
    const refuse = (
      status: keyof typeof ERROR_TYPES,
      reason: string,
      headers?: http.OutgoingHttpHeaders,
    ): void => {
      opts.log.warn(
        {
          sessionId,
          method: req.method,
          path: (req.url ?? '').slice(0, LOGGED_PATH_CHARS),
          status,
          reason,
        },
        'credential proxy refused a call',
      );
      count({ outcome: 'refused', status: String(status) });
      sendError(res, status, reason, headers);
      req.resume();
    };

    const rate = limiter.take(sessionId);
    if (!rate.ok) {
      const seconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
      return refuse(429, `rate limit: at most ${opts.ratePerMinute} model calls a minute per session`, {
        'retry-after': String(seconds),
      });
    }
    const route = routeProxyRequest(req.method, req.url ?? '/');
    if (!route.ok) return refuse(route.status, route.message, route.allow ? { allow: route.allow } : {});
    if (!opts.apiKey) return refuse(503, 'the host has no ANTHROPIC_API_KEY');
    const overBudget = opts.meter?.refusal(session);
    if (overBudget) return refuse(403, overBudget, { 'x-should-retry': 'false' });
    const tooLarge = `request body over the limit of ${opts.maxBodyBytes} bytes`;
    if (Number(req.headers['content-length'] ?? 0) > opts.maxBodyBytes)
      return refuse(413, tooLarge, { connection: 'close' });

    const forward = (body: Buffer): void => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers))
        if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = v;
      headers['x-api-key'] = opts.apiKey;
      headers['content-length'] = body.length;
      const upstream = client.request(targetOf(route), { method: route.method, headers }, (up) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers))
          if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
        // A refused key stays refused: without this Claude Code retries a 401 for minutes before it says so.
        if (up.statusCode === 401 || up.statusCode === 403) out['x-should-retry'] = 'false';
        count({ outcome: 'forwarded', status: String(up.statusCode ?? 502) });
        res.writeHead(up.statusCode ?? 502, out);
        const meter = opts.meter;
        if (meter && up.statusCode === 200 && route.path === '/v1/messages') {
          const tap = new UsageTap(up.headers['content-type']);
          up.on('data', (chunk: Buffer) => tap.write(chunk));
          up.on('end', () => {
            try {
              meter.record(session, tap.finish());
            } catch (err) {
              opts.log.error({ sessionId, err: (err as Error).message }, 'token usage not recorded');
            }
          });
        }
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        opts.log.warn({ sessionId, err: err.message, upstream: base.origin }, 'model API call failed');
        count({ outcome: 'upstream_error', status: '502' });
        if (res.headersSent) res.destroy();
        else sendError(res, 502, 'upstream unreachable');
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    };

    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= opts.maxBodyBytes) chunks.push(chunk);
      else {
        req.off('data', onData).off('end', onEnd);
        chunks.length = 0;
        refuse(413, tooLarge, { connection: 'close' });
      }
    };
    const onEnd = (): void => forward(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd);
  };
}
