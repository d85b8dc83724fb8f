/**
 * AgentGroup `spec.mcpServers[].http`: a remote MCP server (streamable HTTP) that the host reaches for the runner.
 *
 * Rules kept here (CEL for the API server, the same rule in TypeScript for the embedded loader):
 * - `url` is an absolute https URL without userinfo or fragment. Plain http is allowed only where the traffic
 *   never leaves the machine or the cluster: loopback (`localhost`, `127.0.0.1`, `[::1]`) and cluster-internal
 *   Service names (`….svc`, `….svc.cluster.local`);
 * - every header has exactly one of `value` (literal, not secret) and `valueFrom.secretKeyRef` (a key of a Secret
 *   in the AgentGroup's namespace, read by the host at request time). A literal value whose name or content
 *   looks like a credential is refused: it would sit in the custom resource for anyone who can read it;
 * - header names are HTTP tokens, unique (case-sensitive list-map key; the loader and CEL also refuse two names
 *   that differ only in case), and not ones the host owns on the forwarded call (Host, Content-Length, …).
 * The runner never sees any of this: it gets a URL on the host (protocol/mcp.ts).
 */
import { z } from 'zod';
import { CONFIG_MAP_KEY_PATTERN, objectName } from './common.js';
import { listMap, withRules } from './rules.js';

const MAX_MCP_HEADERS = 16;

/** An absolute http(s) URL with a host, no userinfo, no fragment (RE2 and JS alike). */
const URL_SHAPE = '^https?://[^/?#@\\s]+([/?][^#\\s]*)?$';
const URL_SHAPE_JS = new RegExp(URL_SHAPE);
/** The origins plain http is allowed for: loopback and cluster-internal Services. */
const PLAIN_HTTP_OK =
  '^http://(localhost|127\\.0\\.0\\.1|\\[::1\\]|[a-z0-9]([-a-z0-9.]*[a-z0-9])?\\.svc(\\.cluster\\.local)?)(:[0-9]{1,5})?([/?].*)?$';
const PLAIN_HTTP_OK_JS = new RegExp(PLAIN_HTTP_OK);

/** RFC 9110 token. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers the host sets itself on the forwarded call (lower case). */
const HOST_OWNED = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'te',
  'upgrade',
  'keep-alive',
];
const HOST_OWNED_CEL = `[${HOST_OWNED.map((h) => `'${h}'`).join(', ')}]`;
/** Header names that say "credential" (case-insensitive). */
const SECRET_HEADER = '(?i)(token|secret|passw|api[-_]?key|credential|auth|cookie|session)';
const SECRET_HEADER_JS = /(token|secret|passw|api[-_]?key|credential|auth|cookie|session)/i;
/** Values that start like a credential: a well-known token format or an HTTP auth scheme. */
const SECRET_VALUE =
  '^(?i)(sk-|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abprs]-|glpat-|AKIA[0-9A-Z]{12}|bearer |basic )';
const SECRET_VALUE_JS =
  /^(sk-|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abprs]-|glpat-|AKIA[0-9A-Z]{12}|bearer |basic )/i;

const SecretKeyRef = z
  .strictObject({
    name: objectName('Name of a Secret in the AgentGroup’s namespace (embedded: a `kind: Secret` document).'),
    key: z.string().min(1).max(253).regex(CONFIG_MAP_KEY_PATTERN).describe('Key in that Secret.'),
  })
  .describe('A key of a Secret, read by the host when it forwards a call; never copied anywhere.');

const McpHeader = withRules(
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(128)
        .regex(HEADER_NAME)
        .describe(
          'Header name (an HTTP token). Host, Content-Length and other hop-by-hop names are refused.',
        ),
      value: z
        .string()
        .max(2048)
        .optional()
        .describe('Literal, non-secret value. Credentials go in valueFrom.secretKeyRef.'),
      valueFrom: z
        .strictObject({ secretKeyRef: SecretKeyRef })
        .optional()
        .describe('Where the host reads a secret value from when it forwards a call.'),
    })
    .describe('One header the host adds to every call it forwards to the server.'),
  [
    {
      cel: 'has(self.value) != has(self.valueFrom)',
      message: 'a header needs exactly one of value and valueFrom',
      field: 'value',
      reason: 'FieldValueRequired',
      holds: (h) => (h.value !== undefined) !== (h.valueFrom !== undefined),
    },
    {
      cel: `!(self.name.lowerAscii() in ${HOST_OWNED_CEL})`,
      message: 'this header is set by the host on the forwarded call',
      field: 'name',
      reason: 'FieldValueForbidden',
      holds: (h) => !HOST_OWNED.includes(h.name.toLowerCase()),
    },
    {
      cel: `!has(self.value) || !self.name.matches('${SECRET_HEADER}')`,
      message:
        'this header name looks like a credential: take its value from a Secret (valueFrom.secretKeyRef), not a literal',
      field: 'value',
      reason: 'FieldValueForbidden',
      holds: (h) => h.value === undefined || !SECRET_HEADER_JS.test(h.name),
    },
    {
      cel: `!has(self.value) || !self.value.matches('${SECRET_VALUE}')`,
      message:
        'this value looks like a credential: take it from a Secret (valueFrom.secretKeyRef), not a literal',
      field: 'value',
      reason: 'FieldValueForbidden',
      holds: (h) => h.value === undefined || !SECRET_VALUE_JS.test(h.value),
    },
  ],
);

export const HttpTransport = withRules(
  z
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
      headers: listMap(McpHeader, 'name', {
        maxItems: MAX_MCP_HEADERS,
        description:
          'Headers the host adds to every call it forwards (keyed by name). Secret values come from Secrets, read at request time.',
      }).optional(),
    })
    .describe(
      'A remote server over streamable HTTP. The runner reaches it only through the host, which adds the headers; the URL and the headers never reach the runner.',
    ),
  [
    {
      cel: '!has(self.headers) || self.headers.all(h, self.headers.filter(o, o.name.lowerAscii() == h.name.lowerAscii()).size() == 1)',
      message: 'header names must be unique, ignoring case',
      field: 'headers',
      reason: 'FieldValueDuplicate',
      holds: (t) => {
        const names = (t.headers ?? []).map((h) => h.name.toLowerCase());
        return new Set(names).size === names.length;
      },
    },
  ],
);
export type HttpTransport = z.output<typeof HttpTransport>;
