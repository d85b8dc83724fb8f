/**
 * MessagingGroup (`mg`): one chat on one channel, and the agent groups wired to it.
 *
 * Rules kept here (CEL for the API server and zod for the embedded loader):
 * - `channel` is an open lower-case identifier; `channel` and `platformId` are immutable (transition rules,
 *   which the embedded projection enforces against the stored row).
 * - `agents` is a list-map keyed by `agentGroup` (no agent twice); `engage.pattern` is required iff
 *   `engage.mode` is `pattern`; `priority` is within −1000…1000.
 * Whether a pattern compiles is checked by the projection with the router's engine (protocol/pattern.ts: RE2,
 * the dialect CEL speaks too), reported as Ready=False, reason InvalidPattern; the API server only bounds its
 * length, so one rule, in one place, decides what routes.
 */
import { z } from 'zod';
import { PATTERN_TEXT_LIMIT } from '../../../protocol/pattern.js';
import {
  CHANNEL_PATTERN,
  ENGAGE_MODES,
  IGNORED_MESSAGE_POLICIES,
  SENDER_SCOPES,
  SESSION_MODES,
  UNKNOWN_SENDER_POLICIES,
} from '../../../protocol/vocabulary.js';
import { displayName, objectName, statusBase } from './common.js';
import { immutable, listMap, withRules } from './rules.js';

const KNOWN_CHANNELS = ['telegram', 'discord', 'slack', 'web', 'cli'] as const;

const Engage = withRules(
  z
    .strictObject({
      mode: z
        .enum(ENGAGE_MODES)
        .default('mention')
        .describe(
          'When the agent engages: `mention` (a DM counts as a mention), `mention-sticky` (stays engaged in a thread once mentioned) or `pattern` (the message matches engage.pattern).',
        ),
      pattern: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe(
          `Regular expression (RE2 syntax: no backreferences or lookaround) for mode \`pattern\`, matched against the first ${PATTERN_TEXT_LIMIT} characters of a message; \`.\` matches every message. Only with mode \`pattern\`.`,
        ),
    })
    .describe('When a message in this chat wakes the agent.'),
  [
    {
      cel: "self.mode != 'pattern' || has(self.pattern)",
      message: 'engage.pattern is required when engage.mode is pattern',
      field: 'pattern',
      reason: 'FieldValueRequired',
      holds: (e) => e.mode !== 'pattern' || e.pattern !== undefined,
    },
    {
      cel: "self.mode == 'pattern' || !has(self.pattern)",
      message: 'engage.pattern is only allowed when engage.mode is pattern',
      field: 'pattern',
      reason: 'FieldValueForbidden',
      holds: (e) => e.mode === 'pattern' || e.pattern === undefined,
    },
  ],
);

const Wiring = z
  .strictObject({
    agentGroup: objectName('metadata.name of an AgentGroup in the same namespace.'),
    engage: Engage.prefault({ mode: 'mention' }),
    senderScope: z
      .enum(SENDER_SCOPES)
      .default('all')
      .describe(
        'Who may wake the agent: `all` senders the chat admits, or only `known` users with access to the agent group.',
      ),
    ignoredMessages: z
      .enum(IGNORED_MESSAGE_POLICIES)
      .default('drop')
      .describe(
        'Messages that do not engage the agent: `drop` them, or `accumulate` them as context for the next engaged turn.',
      ),
    sessionMode: z
      .enum(SESSION_MODES)
      .default('shared')
      .describe(
        'Session per chat (`shared`), per thread (`per-thread`), or one session of the agent across chats (`agent-shared`).',
      ),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .default(0)
      .describe('Order among the agents engaged by one message, highest first (−1000…1000).'),
  })
  .describe('One agent group wired to this chat.');
type Wiring = z.infer<typeof Wiring>;

export const MessagingGroupSpec = z
  .strictObject({
    channel: immutable(
      z
        .string()
        .max(32)
        .regex(CHANNEL_PATTERN)
        .describe(
          `Channel adapter of the chat: a lower-case identifier (known: ${KNOWN_CHANNELS.join(', ')}). Immutable.`,
        ),
      'channel is immutable',
    ),
    platformId: immutable(
      z
        .string()
        .min(1)
        .max(256)
        .describe('Id of the chat on the platform (up to 256 characters). Immutable.'),
      'platformId is immutable',
    ),
    displayName: displayName('the chat; also names it as a destination of the wired agents').optional(),
    isGroup: z.boolean().default(false).describe('Whether the chat has more than two participants.'),
    unknownSenderPolicy: z
      .enum(UNKNOWN_SENDER_POLICIES)
      .default('strict')
      .describe(
        'Senders without access: `strict` drops their messages, `request_approval` asks an admin to let them in, `public` lets everyone through.',
      ),
    agents: listMap(Wiring, 'agentGroup', {
      maxItems: 64,
      description:
        'Agent groups wired to this chat, keyed by agentGroup. A message fans out to every engaged agent.',
    }).optional(),
  })
  .describe('Desired state of the chat.');
export type MessagingGroupSpec = z.infer<typeof MessagingGroupSpec>;

export const MessagingGroupStatus = z
  .strictObject({
    ...statusBase,
    messagingGroupId: z.string().optional().describe('Id of the messaging group row in the central DB.'),
    wiredAgents: z.number().int().min(0).optional().describe('How many agents are wired in the central DB.'),
  })
  .describe('Observed state, written by the operator.');
export type MessagingGroupStatus = z.infer<typeof MessagingGroupStatus>;
