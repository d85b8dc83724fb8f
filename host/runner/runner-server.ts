/**
 * The port runners talk to: the notification channel, the credential proxy and the egress proxy (CONNECT), all
 * authenticated with the session token. On Kubernetes this is the only host port runner pods may reach
 * (NetworkPolicy), so egress goes through the host or nowhere.
 *
 * Invariants:
 * - Nothing but /healthz answers without a valid session token (401).
 * - Every request-target that starts with the proxy prefix goes to the credential proxy, which decides what is
 *   forwarded (look-alikes such as `/proxy/anthropic@other.host` get its 404, not a generic one); every one under
 *   `/proxy/mcp/` goes to the remote-MCP proxy (mcp/mcp-proxy.ts), which does the same for MCP calls.
 * - CONNECT requests and absolute-form (`http://…`) requests go to the egress proxy, which checks the token it
 *   is given as proxy credentials, and tunnels, forwards (to destinations with headers) or refuses them
 *   (egress/egress-proxy.ts).
 */
import http from 'node:http';
import type { Logger } from 'pino';
import { PROXY_PATH_PREFIX, RUNNER_CHANNEL_PATH } from '../../protocol/env.js';
import { MCP_PROXY_PATH_PREFIX } from '../../protocol/mcp.js';
import type { Session } from '../db/schema.js';
import type { EgressProxy } from '../egress/egress-proxy.js';
import { createMcpProxy, type McpProxyOptions } from '../mcp/mcp-proxy.js';
import { createCredentialProxy, type CredentialProxyOptions } from './credential-proxy.js';
import type { RunnerLink } from './runner-link.js';
import { tokenFromHeaders } from './session-token.js';

export interface RunnerServerDeps {
  link: RunnerLink;
  authenticate: (token: string) => Session | undefined;
  proxy: CredentialProxyOptions;
  /** Without it CONNECT requests are dropped and absolute-form requests need a session token like any other. */
  egress?: EgressProxy;
  mcpProxy: McpProxyOptions;
  log: Logger;
}

export function createRunnerServer(deps: RunnerServerDeps): http.Server {
  const proxy = createCredentialProxy(deps.proxy);
  const mcpProxy = createMcpProxy(deps.mcpProxy);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    if (deps.egress && /^[a-z][a-z0-9+.-]*:\/\//i.test(req.url ?? '')) {
      deps.egress.onPlainHttp(req, res);
      return;
    }
    const token = tokenFromHeaders(req.headers);
    const session = token ? deps.authenticate(token) : undefined;
    if (!session) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'error',
          error: { type: 'authentication_error', message: 'unknown session token' },
        }),
      );
      req.resume();
      return;
    }
    if (req.method === 'POST' && path === RUNNER_CHANNEL_PATH) {
      deps.link.accept(session.id, req, res);
      return;
    }
    if (path.startsWith(`${MCP_PROXY_PATH_PREFIX}/`)) {
      mcpProxy(session, req, res);
      return;
    }
    if (path.startsWith(PROXY_PATH_PREFIX)) {
      proxy(session, req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        type: 'error',
        error: { type: 'not_found_error', message: `no route ${req.method} ${path}` },
      }),
    );
    req.resume();
  });
  const egress = deps.egress;
  if (egress) server.on('connect', (req, socket, head) => egress.onConnect(req, socket, head));
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  return server;
}
