/**
 * The pure part of `nanoclaw init-first-agent`: what the first agent of a person is called and how it is set up,
 * from the command's arguments, before anything is read or written.
 *
 * Invariants:
 * - The agent group's id and folder are the same DNS label `dm-with-<normalized display name>` (≤ 63 characters),
 *   so the embedded rows and a Kubernetes AgentGroup of that name land on the same folder. A name with nothing
 *   left after normalization (only non-Latin letters, say) gets a stable hash instead.
 * - The user id is `<namespace>:<platform user id>`, the namespace being the channel's platform (`telegram` for a
 *   named bot `telegram-support`): one person is one user across a platform's bots.
 * - The DM is wired the way every DM is: engage on everything (pattern '.'), every sender, one shared session.
 * - Role `owner` is granted only when the host has no owner yet; otherwise the person becomes a member only (and
 *   the command says so). `admin` is an admin of the new agent group. Everyone gets the membership row.
 */
import { createHash } from 'node:crypto';
import { CHANNEL_PATTERN, PROVIDERS, type Provider } from '../../protocol/vocabulary.js';

/** A bad argument; `argument` is its flag name without dashes (`user`, `role`). */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}

export const FIRST_AGENT_ROLES = ['owner', 'admin', 'member'] as const;
export type FirstAgentRole = (typeof FIRST_AGENT_ROLES)[number];

const FOLDER_PREFIX = 'dm-with-';
const LABEL_MAX = 63;
const HASH_CHARS = 8;
const DEFAULT_AGENT_NAME = 'Assistant';
const MAX_NAME = 128;
const MAX_WELCOME = 4000;

/** The DM wiring: the same shape pairing and the reference use for a private chat. */
export const DM_WIRING = {
  engageMode: 'pattern',
  engagePattern: '.',
  senderScope: 'all',
  ignoredMessages: 'drop',
  sessionMode: 'shared',
} as const;

export interface FirstAgentArgs {
  channel: string;
  /** The platform's user id (`12345` on Telegram, `T1:U1` on Slack), not namespaced. */
  user: string;
  /** The person's display name. */
  name: string;
  agentName?: string;
  platformId?: string;
  welcome?: string;
  role?: string;
  provider?: string;
}

export interface FirstAgentPlan {
  channel: string;
  userId: string;
  displayName: string;
  agentGroupId: string;
  folder: string;
  agentName: string;
  provider: Provider;
  instructions: string;
  /** The DM's chat id when given; otherwise the adapter resolves it (openDM, or the handle itself). */
  platformId: string | null;
  role: FirstAgentRole;
  welcomeText: string;
}

/** `telegram` for `telegram` and `telegram-support`: named bots are `<platform>-<name>`. */
export function userNamespaceOf(channel: string): string {
  return channel.split('-')[0]!;
}

/** Lower-case ASCII words joined by '-', accents dropped: "Zoë Müller" → "zoe-muller". */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function agentFolderFor(displayName: string): string {
  const room = LABEL_MAX - FOLDER_PREFIX.length;
  const normalized = normalizeName(displayName).slice(0, room).replace(/-+$/, '');
  if (normalized) return `${FOLDER_PREFIX}${normalized}`;
  return `${FOLDER_PREFIX}${createHash('sha256').update(displayName).digest('hex').slice(0, HASH_CHARS)}`;
}

function personaInstructions(agentName: string, displayName: string): string {
  return [
    `You are ${agentName}, the personal assistant of ${displayName}. This is your private chat with them.`,
    'Be friendly and concise. Ask when something is unclear, and say so when you cannot do something.',
    '',
  ].join('\n');
}

function defaultWelcome(displayName: string, agentName: string): string {
  return (
    `Say hello to ${displayName}: they just set you up as ${agentName}, their personal assistant, and this is ` +
    'your private chat with them. Greet them in one or two sentences and tell them what you can help with.'
  );
}

function required(field: string, value: string | undefined, max: number): string {
  const v = value?.trim();
  if (!v) throw new ArgumentError(field, `--${field} is required`);
  if (v.length > max) throw new ArgumentError(field, `--${field} is longer than ${max} characters`);
  return v;
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new ArgumentError(
      field,
      `--${field} ${JSON.stringify(value)} must be one of ${allowed.join(', ')}`,
    );
  return value as T;
}

/** Validates the arguments and derives everything the command creates. Throws ArgumentError naming the argument. */
export function planFirstAgent(args: FirstAgentArgs): FirstAgentPlan {
  const channel = required('channel', args.channel, 32);
  if (!CHANNEL_PATTERN.test(channel))
    throw new ArgumentError(
      'channel',
      `--channel ${JSON.stringify(channel)} must be a lower-case identifier like "telegram" or "telegram-support"`,
    );
  const user = required('user', args.user, 256);
  if (/\s/.test(user))
    throw new ArgumentError(
      'user',
      `--user ${JSON.stringify(user)} must be the platform's user id (no spaces), e.g. 12345 on Telegram`,
    );
  const displayName = required('name', args.name, MAX_NAME);
  const agentName =
    args.agentName === undefined ? DEFAULT_AGENT_NAME : required('agent-name', args.agentName, MAX_NAME);
  const platformId = args.platformId === undefined ? null : required('platform-id', args.platformId, 256);
  const welcome = args.welcome === undefined ? null : required('welcome', args.welcome, MAX_WELCOME);
  const folder = agentFolderFor(displayName);
  return {
    channel,
    userId: `${userNamespaceOf(channel)}:${user}`,
    displayName,
    agentGroupId: folder,
    folder,
    agentName,
    provider: oneOf('provider', args.provider ?? 'claude', PROVIDERS),
    instructions: personaInstructions(agentName, displayName),
    platformId,
    role: oneOf('role', args.role ?? 'owner', FIRST_AGENT_ROLES),
    welcomeText: welcome ?? defaultWelcome(displayName, agentName),
  };
}

export type RoleDecision = { grant: 'owner' | 'admin'; note: string } | { grant: null; note: string };

/** Which grant `--role` turns into, given the owners the host has (in grant order). */
export function decideRole(role: FirstAgentRole, userId: string, owners: readonly string[]): RoleDecision {
  switch (role) {
    case 'owner':
      if (owners.includes(userId)) return { grant: null, note: 'already the owner' };
      if (owners.length === 0) return { grant: 'owner', note: 'first owner of this host' };
      return {
        grant: null,
        note: `not made owner: this host has one (${owners.join(', ')}); membership only`,
      };
    case 'admin':
      return { grant: 'admin', note: 'admin of this agent group' };
    case 'member':
      return { grant: null, note: 'membership only' };
  }
}

/**
 * The welcome's inbound row id. Derived from the agent group and the DM, so the welcome is written once per
 * session however often the command runs; a resend (`--resend-welcome`) gets a fresh id.
 */
export function welcomeMessageId(
  agentGroupId: string,
  messagingGroupId: string,
  resendAt: Date | null,
): string {
  const key = `${agentGroupId}\0${messagingGroupId}${resendAt ? `\0${resendAt.toISOString()}` : ''}`;
  return `welcome-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
