/**
 * AgentGroup `spec.mcpServers[].http`: a remote MCP server (streamable HTTP) that the host reaches for the runner.
 *
 * Rules kept here (CEL for the API server, the same rule in TypeScript for the embedded loader):
 * - `url` is an absolute https URL without userinfo or fragment. Plain http is allowed only where the traffic
 *   never leaves the machine or the cluster: loopback (`localhost`, `127.0.0.1`, `[::1]`) and cluster-internal
 *   Service names (`….svc`, `….svc.cluster.local`);
 * - `headers`: the rules of http-headers.ts (shared with spec.egress[].headers).
 * The runner never sees any of this: it gets a URL on the host (protocol/mcp.ts).
 */
import { z } from 'zod';
import { forwardHeaders } from './http-headers.js';
import { withRules } from './rules.js';

/** An absolute http(s) URL with a host, no userinfo, no fragment (RE2 and JS alike). */
const URL_SHAPE = '^https?://[^/?#@\\s]+([/?][^#\\s]*)?$';
const URL_SHAPE_JS = new RegExp(URL_SHAPE);
/** The origins plain http is allowed for: loopback and cluster-internal Services. */
const PLAIN_HTTP_OK =
  '^http://(localhost|127\\.0\\.0\\.1|\\[::1\\]|[a-z0-9]([-a-z0-9.]*[a-z0-9])?\\.svc(\\.cluster\\.local)?)(:[0-9]{1,5})?([/?].*)?$';
const PLAIN_HTTP_OK_JS = new RegExp(PLAIN_HTTP_OK);

export const HttpTransport = z
  .strictObject({
    url: withRules(
      z
        .string()
        .min(1)
        .max(2048)
        .describe(
          'The server’s streamable-HTTP endpoint: https, or plain http for loopback and cluster-internal Services (….svc, ….svc.cluster.local). No userinfo, no fragment.',
        ),
      [
        {
          cel: `self.matches(r'${URL_SHAPE}')`,
          message: 'url must be an absolute http(s) URL with a host, no userinfo and no fragment',
          holds: (u) => URL_SHAPE_JS.test(u),
        },
        {
          cel: `self.startsWith('https://') || self.matches(r'${PLAIN_HTTP_OK}')`,
          message:
            'url must be https; plain http is allowed only for localhost, 127.0.0.1, [::1] and cluster-internal Services (….svc, ….svc.cluster.local)',
          holds: (u) => u.startsWith('https://') || PLAIN_HTTP_OK_JS.test(u),
        },
      ],
    ),
    headers: forwardHeaders(
      16,
      'Headers the host adds to every call it forwards (keyed by name). Secret values come from Secrets, read at request time.',
    ).optional(),
  })
  .describe(
    'A remote server over streamable HTTP. The runner reaches it only through the host, which adds the headers; the URL and the headers never reach the runner.',
  );
export type HttpTransport = z.output<typeof HttpTransport>;
