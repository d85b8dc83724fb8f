/**
 * How the runner reaches each of its agent group's MCP servers: a stdio server as configured, a remote one at the
 * host (`<NANOCLAW_HOST_URL>/proxy/mcp/<name>`) with the session token as a bearer token.
 *
 * Invariant: a remote server's real URL and headers are never known here; the host adds them (host/mcp/mcp-proxy.ts).
 */
import { mcpProxyPath, type McpRunnerServer, type McpStdioServer } from '../../../protocol/mcp.js';

export interface McpHttpConnection {
  name: string;
  type: 'http';
  url: string;
  headers: Record<string, string>;
}
export type McpConnection = McpStdioServer | McpHttpConnection;

export function isHttpConnection(c: McpConnection): c is McpHttpConnection {
  return 'type' in c && c.type === 'http';
}

/** The connections for NANOCLAW_MCP_SERVERS; throws (naming the server) when a remote one cannot be reached. */
export function mcpConnections(
  servers: readonly McpRunnerServer[],
  host: { url: string | undefined; token: string | undefined },
): McpConnection[] {
  return servers.map((s) => {
    if (!('type' in s)) return s;
    if (!host.url || !host.token)
      throw new Error(`remote server "${s.name}" is reached through the host, which needs NANOCLAW_HOST_URL`);
    return {
      name: s.name,
      type: 'http',
      url: host.url.replace(/\/+$/, '') + mcpProxyPath(s.name),
      headers: { authorization: `Bearer ${host.token}` },
    };
  });
}
