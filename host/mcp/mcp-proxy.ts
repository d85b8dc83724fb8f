/**
 * The remote-MCP proxy: a runner calls `<host>/proxy/mcp/<name>` with its session token (runner-server.ts checks
 * it); the host finds that server among the calling session's agent group's `spec.mcpServers[].http`, adds the
 * configured headers (Secret values read now, for this call) and forwards the call to the configured URL.
 *
 * Invariants:
 * - The upstream URL is the configured one, as configured: the request only picks a server by name
 *   (mcp-route.ts), and only of its own session's agent group. Redirects are not followed, and no answer header
 *   that names a URL (Location, WWW-Authenticate) is passed back: the runner never learns the upstream.
 * - From the runner only the MCP headers pass (accept, content-type, mcp-session-id, mcp-protocol-version,
 *   last-event-id): its session token and anything else it sends stay here. Configured headers win.
 * - Secret values are used for the one call and never logged, stored or put in an error; a log line carries the
 *   session, server, method, status and reason, and the upstream's origin — never its path, query or a header.
 * - A request body is at most `maxBodyBytes` (413) and is read in full before the upstream is contacted; the
 *   answer streams back unbuffered (an SSE body reaches the runner event by event), and a runner that goes away
 *   ends the upstream call.
 * - The host's own refusals are one line of plain text with an HTTP status (MCP clients show the body as the
 *   error, so it reaches the runner's report and the agent as written): 404 unknown server, 413 too large, 502 a
 *   Secret that cannot be read or an upstream that does not answer.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { MeteredSession } from '../budget/token-meter.js';
import type { McpRemoteUpstream } from '../db/runner-config.js';
import { MCP_METHODS_ALLOWED, routeMcpRequest } from './mcp-route.js';
import { headerValues } from './header-values.js';
import type { SecretSource } from './secret-source.js';

/** Request headers a runner may send on (lower case). */
const FROM_RUNNER = ['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'];
/**
 * Response headers not passed back: those about this hop only, cookies, and those that would tell the runner the
 * upstream's URL (a redirect's Location, an auth challenge's resource metadata URL).
 */
const HOP_HEADERS = new Set([
  'location',
  'content-location',
  'www-authenticate',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
]);

export interface McpProxyOptions {
  /** The remote server `name` of this session's agent group, if it has one. */
  upstreamOf: (session: MeteredSession, name: string) => McpRemoteUpstream | undefined;
  secrets: SecretSource;
  maxBodyBytes: number;
  log: Logger;
}

export type McpProxyHandler = (
  session: MeteredSession,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => void;

function sendError(
  res: http.ServerResponse,
  status: number,
  message: string,
  extra: http.OutgoingHttpHeaders = {},
) {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extra });
  res.end(message);
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > max) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createMcpProxy(opts: McpProxyOptions): McpProxyHandler {
  return (session, req, res) => {
    const route = routeMcpRequest(req.method, req.url ?? '/');
    const fields = {
      sessionId: session.id,
      method: req.method,
      mcpServer: route.ok ? route.server : undefined,
    };
    const refuse = (status: number, reason: string, extra?: http.OutgoingHttpHeaders): void => {
      opts.log.warn({ ...fields, status, reason }, 'remote MCP call refused');
      sendError(res, status, reason, extra);
      req.resume();
    };
    if (!route.ok)
      return refuse(route.status, route.message, route.status === 405 ? { allow: MCP_METHODS_ALLOWED } : {});
    const server = opts.upstreamOf(session, route.server);
    if (!server) return refuse(404, `no remote MCP server "${route.server}" for this agent group`);
    const tooLarge = `request body over the limit of ${opts.maxBodyBytes} bytes`;
    if (Number(req.headers['content-length'] ?? 0) > opts.maxBodyBytes)
      return refuse(413, tooLarge, { connection: 'close' });
    const target = new URL(server.url);

    void (async () => {
      const body = await readBody(req, opts.maxBodyBytes);
      if (body === null) return refuse(413, tooLarge, { connection: 'close' });
      let added: Record<string, string>;
      try {
        added = await headerValues(server.headers, server.namespace, opts.secrets);
      } catch (err) {
        return refuse(502, (err as Error).message);
      }
      const headers: http.OutgoingHttpHeaders = {};
      for (const name of FROM_RUNNER) {
        const v = req.headers[name];
        if (v !== undefined) headers[name] = v;
      }
      Object.assign(headers, added);
      if (body.length || route.method === 'POST') headers['content-length'] = body.length;
      const client = target.protocol === 'https:' ? https : http;
      const upstream = client.request(target, { method: route.method, headers }, (up) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers))
          if (!HOP_HEADERS.has(k) && v !== undefined) out[k] = v;
        opts.log.debug({ ...fields, status: up.statusCode }, 'remote MCP call forwarded');
        if ((up.statusCode ?? 502) >= 400)
          opts.log.warn(
            { ...fields, status: up.statusCode, upstream: target.origin },
            'remote MCP server answered with an error',
          );
        res.writeHead(up.statusCode ?? 502, out);
        res.flushHeaders();
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        opts.log.warn(
          { ...fields, upstream: target.origin, reason: err.message },
          'remote MCP server unreachable',
        );
        if (res.headersSent) res.destroy();
        else {
          const code = (err as NodeJS.ErrnoException).code ?? 'no answer';
          sendError(res, 502, `remote MCP server "${server.name}" unreachable (${code})`);
        }
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    })().catch((err: unknown) => {
      opts.log.error({ ...fields, reason: (err as Error).message }, 'remote MCP call failed');
      sendError(res, 502, 'remote MCP call failed');
    });
  };
}
