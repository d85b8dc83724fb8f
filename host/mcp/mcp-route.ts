/**
 * Which remote-MCP calls the host forwards: a pure check of a request's method and request-target (`req.url`)
 * against `/proxy/mcp/<server-name>`.
 *
 * Invariants:
 * - The result names a server (a DNS label, checked here) and a method from a fixed list, never a path: the
 *   caller sends the call to that server's configured URL exactly as configured, so no request can choose the
 *   origin, add to or leave the configured path, or add a query.
 * - Only the streamable-HTTP methods pass: POST (JSON-RPC messages), GET (the server's event stream) and DELETE
 *   (end of an MCP session). Anything after the name (a further segment, a query, a fragment, an escape, a
 *   trailing slash) is refused.
 */
import { MCP_PROXY_PATH_PREFIX, MCP_SERVER_NAME_MAX, MCP_SERVER_NAME_PATTERN } from '../../protocol/mcp.js';

const METHODS = ['POST', 'GET', 'DELETE'] as const;
export const MCP_METHODS_ALLOWED = METHODS.join(', ');

export type McpRoute =
  | { ok: true; server: string; method: (typeof METHODS)[number] }
  | { ok: false; status: 400 | 404 | 405; message: string };

/** The server a proxied MCP call is for, or why it may not pass. */
export function routeMcpRequest(method: string | undefined, target: string): McpRoute {
  const prefix = `${MCP_PROXY_PATH_PREFIX}/`;
  if (!target.startsWith(prefix)) return { ok: false, status: 404, message: 'not a remote MCP path' };
  const rest = target.slice(prefix.length);
  if (/[?#]/.test(rest))
    return { ok: false, status: 400, message: 'a remote MCP call takes no query or fragment' };
  if (rest.length > MCP_SERVER_NAME_MAX || !MCP_SERVER_NAME_PATTERN.test(rest))
    return { ok: false, status: 404, message: `the path must be ${prefix}<server name>, nothing after it` };
  const m = METHODS.find((x) => x === method);
  if (!m) return { ok: false, status: 405, message: `a remote MCP call is ${MCP_METHODS_ALLOWED}` };
  return { ok: true, server: rest, method: m };
}
