/**
 * AgentGroup (`ag`): one agent — its folder, model provider, instructions and runner settings.
 *
 * Rules kept here (each both as CEL for the API server and as a zod refinement for the embedded loader, except
 * the transition rule, which the projection enforces against the stored row):
 * - `folder` is a DNS label, not `global`; once set it can neither change nor be removed.
 * - `instructions` and `instructionsFrom` are mutually exclusive.
 * - `runner.env` names are C identifiers not starting `NANOCLAW_` or `ANTHROPIC_`; `valueFrom` is refused.
 * - `runner.idleTimeout` is between 1m and 168h.
 * - `mcpServers`: see mcp-servers.ts. `egress`: see egress.ts. `skills`: see skills.ts.
 * - `budget.monthlyTokens` is a whole number from 1 to 10^15 (tokens a calendar month, UTC, may use).
 * - `peers` is a list-map keyed by `agentGroup` (no peer twice); a peer is an AgentGroup of the same namespace.
 */
import { z } from 'zod';
import { FOLDER_PATTERN, PROVIDERS, RESERVED_FOLDERS } from '../../../protocol/vocabulary.js';
import {
  CONFIG_MAP_KEY_PATTERN,
  DURATION_PATTERN,
  QUANTITY_PATTERN,
  displayName,
  durationSeconds,
  objectName,
  statusBase,
} from './common.js';
import { Egress } from './egress.js';
import { McpServers } from './mcp-servers.js';
import { listMap, withRules } from './rules.js';
import { Skills } from './skills.js';

const RESERVED_ENV_PREFIXES = ['NANOCLAW_', 'ANTHROPIC_'] as const;
export const DEFAULT_IDLE_TIMEOUT = '30m';
const MIN_IDLE_TIMEOUT_SECONDS = 60;
const MAX_IDLE_TIMEOUT_SECONDS = 168 * 3600;

const quantity = (what: string) =>
  z
    .union([z.number().int().min(0), z.string().max(64).regex(QUANTITY_PATTERN)])
    .describe(`${what}, as a Kubernetes quantity (e.g. \`500m\`, \`1\`, \`512Mi\`).`)
    .meta({ 'x-kubernetes-int-or-string': true });

const resourceList = (which: string) =>
  z
    .strictObject({
      cpu: quantity(`CPU ${which}`).optional(),
      memory: quantity(`Memory ${which}`).optional(),
      'ephemeral-storage': quantity(`Ephemeral storage ${which}`).optional(),
    })
    .describe(`Resource ${which} of each runner pod.`);

const EnvVar = withRules(
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .describe(
          'Variable name (a C identifier). Names starting NANOCLAW_ or ANTHROPIC_ belong to the host and are refused.',
        ),
      value: z.string().max(4096).default('').describe('Literal value.'),
      valueFrom: z
        .looseObject({})
        .optional()
        .describe(
          'Not supported: runner pods never receive Secrets or other references this way. Always refused.',
        )
        .meta({ 'x-kubernetes-preserve-unknown-fields': true }),
    })
    .describe('One environment variable for the runner.'),
  [
    {
      cel: "!self.name.startsWith('NANOCLAW_') && !self.name.startsWith('ANTHROPIC_')",
      message: 'env names starting NANOCLAW_ or ANTHROPIC_ are reserved for the host',
      field: 'name',
      reason: 'FieldValueForbidden',
      holds: (e) => !RESERVED_ENV_PREFIXES.some((p) => e.name.startsWith(p)),
    },
    {
      cel: '!has(self.valueFrom)',
      message: 'valueFrom is not supported: give a literal value (secrets never reach runner pods this way)',
      field: 'valueFrom',
      reason: 'FieldValueForbidden',
      holds: (e) => e.valueFrom === undefined,
    },
  ],
);

const Runner = z
  .strictObject({
    image: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('Container image of the agent-runner; defaults to the image the host was installed with.'),
    resources: z
      .strictObject({
        requests: resourceList('requests').optional(),
        limits: resourceList('limits').optional(),
      })
      .optional()
      .describe('Compute resources of each runner pod (Kubernetes runtime only).'),
    env: listMap(EnvVar, 'name', {
      maxItems: 64,
      description: 'Extra environment variables for the runner, as literal name/value pairs (keyed by name).',
    }).optional(),
    maxConcurrent: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'Most runners of this agent group at once (1–1000; also bounded by the host-wide NANOCLAW_MAX_RUNNERS). More sessions wait first come first.',
      ),
    idleTimeout: withRules(
      z
        .string()
        .min(2)
        .max(16)
        .regex(DURATION_PATTERN)
        .default(DEFAULT_IDLE_TIMEOUT)
        .describe(
          'How long a session runner may sit idle before it is stopped (1m to 168h), e.g. `30m` or `1h30m`.',
        ),
      [
        {
          cel: "duration(self) >= duration('1m') && duration(self) <= duration('168h')",
          message: 'idleTimeout must be between 1m and 168h',
          reason: 'FieldValueInvalid',
          holds: (v) => {
            const s = durationSeconds(v);
            return s >= MIN_IDLE_TIMEOUT_SECONDS && s <= MAX_IDLE_TIMEOUT_SECONDS;
          },
        },
      ],
    ),
  })
  .describe('How session runners of this agent group are started.');

/** The most a monthly token budget can be (well inside an IEEE double's exact integers). */
const MAX_MONTHLY_TOKENS = 1_000_000_000_000_000;

const Budget = z
  .strictObject({
    monthlyTokens: z
      .number()
      .int()
      .min(1)
      .max(MAX_MONTHLY_TOKENS)
      .describe(
        'Most model tokens (input, output, cache reads and writes, as the model API reports them to the host) the agent group may use in a calendar month (UTC), 1 to 10^15. When reached, its model calls are refused and no runner is started until the next month or a higher budget; the chat is told once a month.',
      ),
  })
  .describe('Spending limit of the agent group. Without it the agent group has no budget.');

const Peer = z
  .strictObject({
    agentGroup: objectName(
      'metadata.name of an AgentGroup in the same namespace that this agent group may send messages to.',
    ),
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(FOLDER_PATTERN)
      .optional()
      .describe(
        'The name this agent uses for the peer (send_message "to"), a DNS label. Defaults to agentGroup, lower-cased, with every other run of characters as "-"; a name another destination already has gets a "-2", "-3", … suffix.',
      ),
  })
  .describe('Another agent group this one may message.');

export const AgentGroupSpec = withRules(
  z
    .strictObject({
      displayName: displayName('the agent group').optional(),
      folder: withRules(
        z
          .string()
          .min(1)
          .max(63)
          .regex(FOLDER_PATTERN)
          .describe(
            'Directory of the agent group under <data>/groups/ (a DNS label). Defaults to metadata.name. Cannot change or be removed once set; `global` is reserved.',
          ),
        [
          {
            cel: "self != 'global'",
            message: 'folder "global" is reserved for the shared read-only folder',
            reason: 'FieldValueForbidden',
            holds: (f) => !(RESERVED_FOLDERS as readonly string[]).includes(f),
          },
        ],
      ).optional(),
      provider: z
        .enum(PROVIDERS)
        .default('claude')
        .describe(
          'Model provider the runner uses: `claude` (Claude Agent SDK) or `mock` (deterministic, offline).',
        ),
      model: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe('Model name passed to the provider; provider default when unset.'),
      instructions: z
        .string()
        .max(65536)
        .optional()
        .describe('System instructions for the agent, inline. Mutually exclusive with instructionsFrom.'),
      instructionsFrom: z
        .strictObject({
          configMapKeyRef: z
            .strictObject({
              name: objectName('Name of a ConfigMap in the same namespace.'),
              key: z
                .string()
                .min(1)
                .max(253)
                .regex(CONFIG_MAP_KEY_PATTERN)
                .describe('Key in that ConfigMap.'),
            })
            .describe('The ConfigMap key holding the instructions.'),
        })
        .optional()
        .describe(
          'Reads the instructions from a ConfigMap key instead. Mutually exclusive with instructions.',
        ),
      runner: Runner.prefault({}),
      mcpServers: McpServers.optional(),
      budget: Budget.optional(),
      egress: Egress.optional(),
      skills: Skills.optional(),
      peers: listMap(Peer, 'agentGroup', {
        maxItems: 64,
        description:
          'Agent groups this agent may message (agent-to-agent), keyed by agentGroup. Only declared peers become destinations; what a peer answers always comes back, even if it does not declare this agent group.',
      }).optional(),
    })
    .describe('Desired state of the agent group. An empty spec is valid.'),
  [
    {
      cel: '!has(self.instructions) || !has(self.instructionsFrom)',
      message: 'set either instructions or instructionsFrom, not both',
      field: 'instructionsFrom',
      reason: 'FieldValueForbidden',
      holds: (s) => s.instructions === undefined || s.instructionsFrom === undefined,
    },
    {
      // Transition rule: the embedded mode enforces it against the projected row (see projection).
      cel: '!has(oldSelf.folder) || (has(self.folder) && self.folder == oldSelf.folder)',
      message: 'folder is immutable: it cannot change or be removed once set',
      field: 'folder',
      reason: 'FieldValueForbidden',
    },
  ],
);
export type AgentGroupSpec = z.infer<typeof AgentGroupSpec>;

export const AgentGroupStatus = z
  .strictObject({
    ...statusBase,
    agentGroupId: z.string().optional().describe('Id of the agent group row in the central DB.'),
    folder: z.string().optional().describe('Folder in use (spec.folder or metadata.name).'),
  })
  .describe('Observed state, written by the operator.');
export type AgentGroupStatus = z.infer<typeof AgentGroupStatus>;
