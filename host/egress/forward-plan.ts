/**
 * What the egress proxy does with a plain-http request in absolute form (`GET http://api.example.com/v1 HTTP/1.1`
 * through HTTP_PROXY): pure decisions, no I/O. egress-forward.ts carries them out.
 *
 * Invariants:
 * - A request is forwarded only to an entry of the agent group's spec.egress that has `headers`: those are the
 *   destinations the host adds credentials to, and it does so over TLS only (https to the same name and port,
 *   certificate verified). Plain http to any other entry stays refused, with a message saying to use https.
 * - The port is the one in the URL, or 443 when the URL has none (the runner writes `http://api.example.com/…`
 *   and the host speaks https to port 443); it must be in the entry's ports.
 * - The name is matched like a CONNECT target (protocol/egress.ts): IP literals, userinfo and other schemes are
 *   refused. The path and query are passed as the runner wrote them; a fragment never is.
 * - Headers sent upstream: the runner's, minus Proxy-Authorization (its session token), hop-by-hop headers (and
 *   any the Connection header names), Host, Expect (answered by the host's own server), and any header named like a configured one (any case); then the
 *   configured headers and Host = the name (with the port unless 443). Nothing of the host's own reaches it.
 * - A CONNECT tunnel to an entry with headers is refused (tunnelRefusal): the host cannot add a header inside
 *   TLS it does not terminate, and a call without the credentials would only fail further on.
 */
import type http from 'node:http';
import net from 'node:net';
import { matchEgress, normalizeEgressName } from '../../protocol/egress.js';
import type { EgressEntry } from '../db/runner-config.js';

/** The port an `http://name/…` URL without a port is forwarded to (over TLS). */
const FORWARD_DEFAULT_PORT = 443;

export type ForwardPlan =
  | { ok: true; entry: EgressEntry; name: string; port: number; path: string; wildcard: boolean }
  | { ok: false; status: 400 | 403; reason: string; target: string };

/** Request headers that belong to one hop, or to the host, and never go upstream (lower case). */
const HOP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);
/** Response headers that belong to one hop and are not passed back (lower case). */
const HOP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const LOGGED_TARGET_CHARS = 200;

/** `http://authority` + the rest of an absolute-form request-target. */
const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i;

/** `name:port` as written after a CONNECT or an `http://` (port omitted: `fallback`). */
function authorityOf(authority: string, fallback: number): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]@]+)(?::([0-9]{1,5}))?$/.exec(authority);
  if (!m) return null;
  const port = m[2] === undefined ? fallback : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

function hostPort(name: string, port: number): string {
  return port === FORWARD_DEFAULT_PORT ? name : `${name}:${port}`;
}

/** Which entry a plain-http request goes to, and where, or why it is refused. */
export function planForward(rules: readonly EgressEntry[], requestTarget: string): ForwardPlan {
  const m = ABSOLUTE.exec(requestTarget);
  const target = (m ? m[2]! : requestTarget).slice(0, LOGGED_TARGET_CHARS);
  const refuse = (status: 400 | 403, reason: string): ForwardPlan => ({ ok: false, status, reason, target });
  if (!m) return refuse(400, 'a proxied request-target is an absolute http:// URL');
  if (m[1]!.toLowerCase() !== 'http')
    return refuse(
      403,
      `only http:// requests are forwarded (the host adds TLS), not ${m[1]!.toLowerCase()}://`,
    );
  if (m[2]!.includes('@')) return refuse(403, 'user names and passwords in the URL are refused');
  const authority = authorityOf(m[2]!, FORWARD_DEFAULT_PORT);
  if (!authority) return refuse(403, 'the URL has no valid host[:port]');
  if (net.isIP(authority.host.replace(/^\[|\]$/g, '')))
    return refuse(403, 'IP addresses are refused: spec.egress lists host names');
  const name = normalizeEgressName(authority.host);
  if (!name) return refuse(403, 'the target is not a host name');
  if (!rules.length) return refuse(403, 'this agent group has no spec.egress: it reaches only the host');
  const match = matchEgress(rules, name, authority.port);
  if (!match.ok) return refuse(403, match.reason);
  const entry = match.rule;
  if (!entry.headers?.length)
    return refuse(
      403,
      `plain http is not forwarded to ${name}: its spec.egress entry has no headers, so use https://${hostPort(name, authority.port)}/… (a CONNECT tunnel)`,
    );
  const rest = m[3]!;
  const path = rest.startsWith('/') ? rest : `/${rest}`;
  return { ok: true, entry, name, port: authority.port, path, wildcard: match.wildcard };
}

/** Why a CONNECT to `name:port` through `entry` is refused, or null when the tunnel may open. */
export function tunnelRefusal(entry: EgressEntry, name: string, port: number): string | null {
  if (!entry.headers?.length) return null;
  return `${name} gets its credentials from the host: call http://${hostPort(name, port)}/… through the proxy (not https), so the host adds them and speaks https itself`;
}

/** Names a Connection header lists (they are hop-by-hop too), lower case. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The headers of the forwarded request: the runner's, cleaned (see the invariants), plus the configured ones. */
export function upstreamRequestHeaders(
  incoming: http.IncomingHttpHeaders,
  configured: Record<string, string>,
  name: string,
  port: number,
): http.OutgoingHttpHeaders {
  const dropped = connectionTokens(incoming.connection);
  const replaced = new Set(Object.keys(configured).map((k) => k.toLowerCase()));
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || HOP_REQUEST.has(k) || dropped.has(k) || replaced.has(k)) continue;
    out[k] = v;
  }
  Object.assign(out, configured);
  out.host = hostPort(name, port);
  return out;
}

/** The headers of the upstream's answer passed back to the runner: all but hop-by-hop ones. */
export function downstreamResponseHeaders(incoming: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const dropped = connectionTokens(incoming.connection);
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming))
    if (v !== undefined && !HOP_RESPONSE.has(k) && !dropped.has(k)) out[k] = v;
  return out;
}
