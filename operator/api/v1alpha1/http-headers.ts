/**
 * Headers the host adds to a call it forwards for a runner: a remote MCP server's (`spec.mcpServers[].http.headers`)
 * and an egress destination's (`spec.egress[].headers`). One definition, so both refuse the same things.
 *
 * Rules kept here (CEL for the API server, the same rule in TypeScript for the embedded loader):
 * - every header has exactly one of `value` (literal, not secret) and `valueFrom.secretKeyRef` (a key of a Secret
 *   in the AgentGroup's namespace, read by the host at request time). A literal value whose name or content
 *   looks like a credential is refused: it would sit in the custom resource for anyone who can read it;
 * - header names are HTTP tokens, unique (case-sensitive list-map key, and the list refuses two names that differ
 *   only in case), and not ones the host owns on the forwarded call (Host, Content-Length, hop-by-hop names);
 * - at most `maxItems` of them (16 for a remote MCP server; fewer where the list is nested in a longer one, as in
 *   spec.egress, to keep the API server's CEL cost estimate, which multiplies by every enclosing maxItems, in budget).
 */
import { z } from 'zod';
import { CONFIG_MAP_KEY_PATTERN, objectName } from './common.js';
import { listMap, withRules } from './rules.js';

/** RFC 9110 token. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers the host sets itself on the forwarded call, or that belong to one hop only (lower case). */
const HOST_OWNED = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
];
const HOST_OWNED_CEL = `[${HOST_OWNED.map((h) => `'${h}'`).join(', ')}]`;
/** Header names that say "credential" (case-insensitive). */
const SECRET_HEADER = '(?i)(token|secret|passw|api[-_]?key|credential|auth|cookie|session)';
const SECRET_HEADER_JS = /(token|secret|passw|api[-_]?key|credential|auth|cookie|session)/i;
/**
 * Values that start like a credential (case-insensitive): a well-known token format or an HTTP auth scheme. CEL
 * checks the prefixes with startsWith and only the AWS key shape with a short regex: a single regex over a
 * 2048-character value costs too much for the API server's budget once the list is nested in spec.egress.
 */
const SECRET_PREFIXES = [
  'sk-',
  'ghp_',
  'gho_',
  'ghs_',
  'ghu_',
  'github_pat_',
  'glpat-',
  'bearer ',
  'basic ',
].concat(['a', 'b', 'p', 'r', 's'].map((c) => `xox${c}-`));
const SECRET_PREFIXES_CEL = `[${SECRET_PREFIXES.map((p) => `'${p}'`).join(', ')}]`;
const AWS_KEY = '^akia[0-9a-z]{12}';
const SECRET_VALUE_CEL = `${SECRET_PREFIXES_CEL}.exists(p, self.value.lowerAscii().startsWith(p)) || self.value.lowerAscii().matches('${AWS_KEY}')`;
const looksSecret = (value: string): boolean => {
  const lower = value.toLowerCase();
  return SECRET_PREFIXES.some((p) => lower.startsWith(p)) || new RegExp(AWS_KEY).test(lower);
};

const SecretKeyRef = z
  .strictObject({
    name: objectName('Name of a Secret in the AgentGroup’s namespace (embedded: a `kind: Secret` document).'),
    key: z.string().min(1).max(253).regex(CONFIG_MAP_KEY_PATTERN).describe('Key in that Secret.'),
  })
  .describe('A key of a Secret, read by the host when it forwards a call; never copied anywhere.');

const ForwardHeader = withRules(
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(128)
        .regex(HEADER_NAME)
        .describe(
          'Header name (an HTTP token). Host, Content-Length, Proxy-Authorization and other hop-by-hop names are refused.',
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
    .describe('One header the host adds to every call it forwards.'),
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
      cel: `!has(self.value) || !(${SECRET_VALUE_CEL})`,
      message:
        'this value looks like a credential: take it from a Secret (valueFrom.secretKeyRef), not a literal',
      field: 'value',
      reason: 'FieldValueForbidden',
      holds: (h) => h.value === undefined || !looksSecret(h.value),
    },
  ],
);

/** A list of at most `maxItems` headers the host adds (keyed by name, unique ignoring case), described for its place. */
export function forwardHeaders(maxItems: number, description: string) {
  return withRules(listMap(ForwardHeader, 'name', { maxItems, description }), [
    {
      cel: 'self.all(h, self.filter(o, o.name.lowerAscii() == h.name.lowerAscii()).size() == 1)',
      message: 'header names must be unique, ignoring case',
      reason: 'FieldValueDuplicate',
      holds: (headers) => {
        const names = headers.map((h) => h.name.toLowerCase());
        return new Set(names).size === names.length;
      },
    },
  ]);
}
