/**
 * The listener chat platforms push to: `POST /webhooks/<channelType>` is handed to that adapter's handleWebhook,
 * which verifies the platform's signature or secret itself. Everything else is 404; a body over the cap is 413
 * before the adapter sees it. Runs only when NANOCLAW_WEBHOOK_PORT is set.
 */
import http from 'node:http';
import type { Logger } from 'pino';
import type { ChannelRegistry } from './adapter.js';

const PATH = /^\/webhooks\/([a-z][a-z0-9-]{0,63})$/;
const MAX_BODY_BYTES = 1024 * 1024;

export function createWebhookServer(channels: ChannelRegistry, log: Logger): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://webhook');
    const m = PATH.exec(url.pathname);
    const adapter = m ? channels.get(m[1]!) : undefined;
    if (!adapter?.handleWebhook || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('payload too large\n');
      req.resume();
      return;
    }
    adapter.handleWebhook(req, res).catch((err: unknown) => {
      log.warn({ channel: adapter.channelType, err: (err as Error).message }, 'webhook request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('error\n');
      else res.end();
    });
  });
}
