/**
 * Which model-API calls the credential proxy forwards: a pure check of a request's method and request-target
 * (`req.url`, everything after the host) against a fixed allow-list.
 *
 * Invariants:
 * - The result names an allow-list entry, never a piece of the input: the caller joins `path` and `query` (both
 *   constants from this file) onto the configured upstream, so no request can choose the origin, leave the
 *   upstream's base path or reach an endpoint the runner has no business with.
 * - Only POST /v1/messages and POST /v1/messages/count_tokens pass — the two calls Claude Code (launched by the
 *   Claude Agent SDK) makes to ANTHROPIC_BASE_URL — with no query or `?beta=true`, which Claude Code appends.
 * - The path is normalized before it is compared: unreserved percent-escapes are decoded, `.` and `..` segments
 *   are resolved. Anything a normalizer could read two ways is refused (400): encoded `/`, `\` or `%`, a
 *   backslash, an empty segment (`//`), `..` above the root, a fragment, characters outside RFC 3986 `pchar`.
 */
import { PROXY_PATH_PREFIX } from '../../protocol/env.js';

/** The model-API paths the proxy forwards, with the one method each accepts. */
const ROUTES: ReadonlyMap<string, string> = new Map([
  ['/v1/messages', 'POST'],
  ['/v1/messages/count_tokens', 'POST'],
]);
/** The query strings the proxy forwards (exactly as written). */
const QUERIES: ReadonlySet<string> = new Set(['', 'beta=true']);

export type ProxyRoute =
  | { ok: true; method: string; path: string; query: string }
  | { ok: false; status: 400 | 404 | 405; message: string; allow?: string };

/** RFC 3986 pchar (minus `%`, checked separately) plus the segment separator. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const ESCAPE = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function refuse(status: 400 | 404, message: string): ProxyRoute {
  return { ok: false, status, message };
}

/** The allow-list entry a proxied request may reach, or why it may not. */
export function routeProxyRequest(method: string | undefined, target: string): ProxyRoute {
  const prefix = `${PROXY_PATH_PREFIX}/`;
  if (!target.startsWith(prefix)) return refuse(404, 'not a model API path');
  if (target.includes('#')) return refuse(400, 'a request path may not carry a fragment');
  const q = target.indexOf('?');
  const rawPath = target.slice(prefix.length - 1, q === -1 ? undefined : q);
  const query = q === -1 ? '' : target.slice(q + 1);

  const stripped = rawPath.replace(ESCAPE, '');
  if (stripped.includes('\\')) return refuse(400, 'a backslash is not a path separator here');
  if (stripped.includes('%')) return refuse(400, 'malformed percent-escape in the path');
  if (!PATH_CHARS.test(stripped)) return refuse(400, 'the path has characters outside RFC 3986');
  let encodedReserved = false;
  const decoded = rawPath.replace(ESCAPE, (escape, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    if (UNRESERVED.test(ch)) return ch;
    encodedReserved = true;
    return escape;
  });
  if (encodedReserved) return refuse(400, 'the path has an encoded reserved character (e.g. %2F, %5C, %25)');

  const segments: string[] = [];
  for (const segment of decoded.slice(1).split('/')) {
    if (segment === '') return refuse(400, 'the path has an empty segment');
    if (segment === '.') continue;
    if (segment === '..') {
      if (segments.pop() === undefined) return refuse(400, 'the path climbs above the root');
      continue;
    }
    segments.push(segment);
  }
  const path = `/${segments.join('/')}`;
  const allowed = ROUTES.get(path);
  if (allowed === undefined) return refuse(404, `${path} is not a model API path the proxy forwards`);
  if (method !== allowed)
    return { ok: false, status: 405, message: `${path} accepts only ${allowed}`, allow: allowed };
  if (!QUERIES.has(query)) return refuse(400, 'the only query the proxy forwards is beta=true');
  return { ok: true, method: allowed, path, query };
}
