/**
 * The credential proxy: runners send model API calls to `<host>/proxy/anthropic/...` with their session token as
 * the API key; the host checks the token, swaps in the real key (held only by the host, from a Secret) and streams
 * the call to ANTHROPIC_BASE_URL. The real key is never sent to a runner, logged or put in a status.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { PROXY_PATH_PREFIX } from '../../protocol/env.js';

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
]);

export interface CredentialProxyOptions {
  apiKey: string | undefined;
  upstream: string;
  log: Logger;
}

export function proxyModelRequest(
  opts: CredentialProxyOptions,
  sessionId: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  if (!opts.apiKey) {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        type: 'error',
        error: { type: 'api_error', message: 'the host has no ANTHROPIC_API_KEY' },
      }),
    );
    return;
  }
  const rest = (req.url ?? '/').slice(PROXY_PATH_PREFIX.length) || '/';
  const base = new URL(opts.upstream);
  const target = new URL(base.pathname.replace(/\/$/, '') + rest, base);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers))
    if (!HOP_HEADERS.has(k) && v !== undefined) headers[k] = v;
  headers['x-api-key'] = opts.apiKey;
  if (req.headers['content-length']) headers['content-length'] = req.headers['content-length'];
  const client = target.protocol === 'https:' ? https : http;
  const upstream = client.request(target, { method: req.method, headers }, (up) => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
    res.writeHead(up.statusCode ?? 502, out);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    opts.log.warn({ sessionId, err: err.message, upstream: target.origin }, 'model API call failed');
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'upstream unreachable' } }));
  });
  req.pipe(upstream);
}
