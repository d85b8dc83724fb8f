/**
 * AgentGroup `spec.mcpServers[]`: MCP servers the agent may use besides the built-in `nanoclaw` one.
 *
 * Rules kept here (CEL for the API server, the same rule in TypeScript for the embedded loader):
 * - names are unique (list-map keyed by name), DNS labels of at most 32 characters, not `nanoclaw`;
 * - exactly one transport: `stdio` (a command from the runner's image, started by the runner for its session) or
 *   `http` (a remote server the host forwards to, adding headers from Secrets: mcp-http.ts);
 * - env of a stdio server is literal and never secret: it ends up in the runner's pod spec, so `valueFrom`, names
 *   that look like credentials (TOKEN, SECRET, PASSWORD, API_KEY, …) and values that look like well-known token
 *   formats (sk-…, ghp_…, xoxb-…, AKIA…) are refused, and so are the host's NANOCLAW_/ANTHROPIC_ names.
 */
import { z } from 'zod';
import {
  MAX_MCP_SERVERS,
  MCP_SERVER_NAME_MAX,
  MCP_SERVER_NAME_PATTERN,
  RESERVED_MCP_SERVER_NAMES,
} from '../../../protocol/mcp.js';
import { HttpTransport } from './mcp-http.js';
import { listMap, withRules } from './rules.js';

/** Env names that say "credential" (RE2 and JS alike; case-insensitive). */
const SECRET_NAME = '(?i)(token|secret|passw|api_?key|credential|private_?key|auth|cookie)';
const SECRET_NAME_JS = /(token|secret|passw|api_?key|credential|private_?key|auth|cookie)/i;
/** Values that start like a well-known credential format. */
const SECRET_VALUE = '^(sk-|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abprs]-|glpat-|AKIA[0-9A-Z]{12})';
const SECRET_VALUE_JS = /^(sk-|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abprs]-|glpat-|AKIA[0-9A-Z]{12})/;

const McpEnvVar = withRules(
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .describe(
          'Variable name (a C identifier). NANOCLAW_/ANTHROPIC_ names and names that look like credentials are refused.',
        ),
      value: z
        .string()
        .max(1024)
        .default('')
        .describe('Literal, non-secret value: it is part of the runner pod spec.'),
      valueFrom: z
        .looseObject({})
        .optional()
        .describe('Not supported: Secrets never reach a stdio MCP server through its env. Always refused.')
        .meta({ 'x-kubernetes-preserve-unknown-fields': true }),
    })
    .describe('One environment variable of the MCP server process.'),
  [
    {
      cel: "!self.name.startsWith('NANOCLAW_') && !self.name.startsWith('ANTHROPIC_')",
      message: 'env names starting NANOCLAW_ or ANTHROPIC_ are reserved for the host',
      field: 'name',
      reason: 'FieldValueForbidden',
      holds: (e) => !e.name.startsWith('NANOCLAW_') && !e.name.startsWith('ANTHROPIC_'),
    },
    {
      cel: `!self.name.matches('${SECRET_NAME}')`,
      message:
        'this env name looks like a credential: an MCP server env is part of the pod spec and never carries secrets',
      field: 'name',
      reason: 'FieldValueForbidden',
      holds: (e) => !SECRET_NAME_JS.test(e.name),
    },
    {
      cel: `!has(self.value) || !self.value.matches('${SECRET_VALUE}')`,
      message:
        'this value looks like a credential: an MCP server env is part of the pod spec and never carries secrets',
      field: 'value',
      reason: 'FieldValueForbidden',
      holds: (e) => !SECRET_VALUE_JS.test(e.value),
    },
    {
      cel: '!has(self.valueFrom)',
      message: 'valueFrom is not supported: an MCP server env is literal and never secret',
      field: 'valueFrom',
      reason: 'FieldValueForbidden',
      holds: (e) => e.valueFrom === undefined,
    },
  ],
);

const StdioTransport = z
  .strictObject({
    command: z
      .string()
      .min(1)
      .max(512)
      .describe('Program to run, from the runner image: an absolute path or a name looked up on PATH.'),
    args: z
      .array(z.string().max(1024).describe('One argument.'))
      .max(32)
      .optional()
      .describe('Arguments of the command.'),
    env: listMap(McpEnvVar, 'name', {
      maxItems: 16,
      description: 'Extra environment of the server process: literal, non-secret name/value pairs.',
    }).optional(),
  })
  .describe('A local server the runner starts for its session and talks to over stdin/stdout.');

const McpServer = withRules(
  z
    .strictObject({
      name: withRules(
        z
          .string()
          .min(1)
          .max(MCP_SERVER_NAME_MAX)
          .regex(MCP_SERVER_NAME_PATTERN)
          .describe(
            'Name of the server (a DNS label, at most 32 characters); its tools are mcp__<name>__<tool>. `nanoclaw` is reserved.',
          ),
        [
          {
            cel: "self != 'nanoclaw'",
            message: 'name "nanoclaw" is reserved for the built-in server',
            reason: 'FieldValueForbidden',
            holds: (n) => !(RESERVED_MCP_SERVER_NAMES as readonly string[]).includes(n),
          },
        ],
      ),
      stdio: StdioTransport.optional(),
      http: HttpTransport.optional(),
    })
    .describe('One MCP server. Exactly one transport: `stdio` or `http`.'),
  [
    {
      cel: '[has(self.stdio), has(self.http)].filter(t, t).size() == 1',
      message: 'an MCP server needs exactly one transport: stdio or http',
      field: 'stdio',
      reason: 'FieldValueRequired',
      holds: (s) => [s.stdio !== undefined, s.http !== undefined].filter(Boolean).length === 1,
    },
  ],
);

export const McpServers = listMap(McpServer, 'name', {
  maxItems: MAX_MCP_SERVERS,
  description:
    'MCP servers the agent may use besides the built-in `nanoclaw` one (keyed by name). The runner starts each for its session; one that fails to start is reported in status and to the agent.',
});
export type McpServers = z.output<typeof McpServers>;
