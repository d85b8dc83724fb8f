/**
 * The proxy variables a runner of an agent group with `spec.egress` sets for everything it starts (Claude Code and
 * its tools, MCP servers, the mock provider's shell): HTTPS_PROXY/HTTP_PROXY at the host's runner port — the URL
 * the runner reaches the host on, which in a sandbox is the socket bridge — with the session token as the proxy
 * password, and NO_PROXY for the host itself and loopback.
 *
 * Invariants:
 * - Set only when the host says the group has a list (NANOCLAW_EGRESS_PROXY=1) and the runner has a host URL and
 *   a token; otherwise nothing changes and tools fail to connect as before.
 * - The token goes into these variables only; pre-task scripts get none of them (task-script.ts), as they get no
 *   token at all.
 */

/** The names set here, upper- and lower-case (curl reads only `http_proxy` lower-case). */
export const EGRESS_PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
];

export function egressProxyEnv(hostUrl: string, sessionToken: string): Record<string, string> {
  const host = new URL(hostUrl);
  const proxy = `${host.protocol}//nanoclaw:${encodeURIComponent(sessionToken)}@${host.host}`;
  const noProxy = [...new Set([host.hostname, 'localhost', '127.0.0.1', '::1'])].join(',');
  return {
    HTTPS_PROXY: proxy,
    https_proxy: proxy,
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}
