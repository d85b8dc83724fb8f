/**
 * The host's ANTHROPIC_API_KEY, checked once at start-up with the cheapest authenticated call there is:
 * `GET <ANTHROPIC_BASE_URL>/v1/models?limit=1` (lists models, costs no tokens), sent the way the credential proxy
 * sends model calls (x-api-key, under the configured base path).
 *
 * Invariants:
 * - The key goes only into the request header; no result, message or log line carries it.
 * - Only 401 and 403 mean "refused". Anything else that is not a 2xx (a gateway without /v1/models, a 5xx), a
 *   network error or the timeout is "unchecked": the host starts as usual and says why it could not tell.
 * - The call is bounded by `timeoutMs`, and the check never throws.
 */

export type ApiKeyCheck =
  | { result: 'accepted' }
  | { result: 'refused'; status: number; message: string }
  | { result: 'unchecked'; reason: string };

const API_VERSION = '2023-06-01';
const MAX_MESSAGE_CHARS = 200;

/** The URL of the check: the models list under the configured base path. */
export function apiKeyCheckUrl(upstream: string): URL {
  const base = new URL(upstream);
  const url = new URL(base.origin);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/v1/models`;
  url.search = 'limit=1';
  return url;
}

/** The upstream's error message from an Anthropic-shaped body, else the HTTP status text. */
function errorMessage(body: string, statusText: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string' && message) return message.slice(0, MAX_MESSAGE_CHARS);
  } catch {
    // not JSON
  }
  return statusText || 'no reason given';
}

export async function checkApiKey(opts: {
  apiKey: string;
  upstream: string;
  timeoutMs: number;
  /** Ends the check early (the host is stopping): the result is then "unchecked". */
  signal?: AbortSignal;
}): Promise<ApiKeyCheck> {
  const url = apiKeyCheckUrl(opts.upstream);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { 'x-api-key': opts.apiKey, 'anthropic-version': API_VERSION },
      signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])]),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason =
      e.name === 'TimeoutError'
        ? `no answer within ${opts.timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { result: 'unchecked', reason: `${url.origin}: ${reason}` };
  }
  const body = await res.text().catch(() => '');
  if (res.ok) return { result: 'accepted' };
  if (res.status === 401 || res.status === 403)
    return { result: 'refused', status: res.status, message: errorMessage(body, res.statusText) };
  return { result: 'unchecked', reason: `${url.origin} answered HTTP ${res.status} to ${url.pathname}` };
}
