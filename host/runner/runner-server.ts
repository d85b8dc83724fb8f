/**
 * The port runners talk to: the notification channel and the credential proxy, both authenticated with the
 * session token. On Kubernetes this is the only host port runner pods may reach (NetworkPolicy).
 *
 * Invariants:
 * - Nothing but /healthz answers without a valid session token (401).
 * - Every request-target that starts with the proxy prefix goes to the credential proxy, which decides what is
 *   forwarded (look-alikes such as `/proxy/anthropic@other.host` get its 404, not a generic one); every one under
 *   `/proxy/mcp/` goes to the remote-MCP proxy (mcp/mcp-proxy.ts), which does the same for MCP calls.
 */
import http from 'node:http';
import type { Logger } from 'pino';
import { PROXY_PATH_PREFIX, RUNNER_CHANNEL_PATH } from '../../protocol/env.js';
import { MCP_PROXY_PATH_PREFIX } from '../../protocol/mcp.js';
import type { Session } from '../db/schema.js';
import { createMcpProxy, type McpProxyOptions } from '../mcp/mcp-proxy.js';
import { createCredentialProxy, type CredentialProxyOptions } from './credential-proxy.js';
import type { RunnerLink } from './runner-link.js';
import { tokenFromHeaders } from './session-token.js';

export interface RunnerServerDeps {
  link: RunnerLink;
  authenticate: (token: string) => Session | undefined;
  proxy: CredentialProxyOptions;
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
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  return server;
}
