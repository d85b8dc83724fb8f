/**
 * What a channel registration offers and what a decision becomes — pure: the card's buttons, its text, the
 * wiring a connected chat gets, and the configuration request a config writer turns into a MessagingGroup (and
 * AgentGroup) object or manifest.
 *
 * Invariants:
 * - Button values are opaque (`connect-<n>`, `new`, `reject`) and the options are stored with the registration,
 *   so a click decides what its button said even when agent groups changed since; no id travels in a button.
 * - The wiring of a registered chat follows NanoClaw's defaults: a message with a thread engages `mention-sticky`,
 *   otherwise every message (`pattern '.'`); only known senders (`senderScope: known`) wake the agent, other
 *   messages are kept as context (`accumulate`); one shared session; priority 0. The chat keeps the unknown-sender
 *   policy `request_approval`, and the person who asked becomes a member.
 * - Names are deterministic per chat: a second decision for the same chat writes the same objects.
 */
import { createHash } from 'node:crypto';

/** Agent groups offered as "Connect to …" buttons (oldest first); more are reachable by editing configuration. */
const MAX_CONNECT_OPTIONS = 4;
const QUOTE_MAX = 300;

export interface RegistrationOption {
  label: string;
  value: string;
  /** For `connect-<n>`: the agent group it connects to. */
  agentGroupId?: string;
}

export type RegistrationChoice =
  { kind: 'connect'; agentGroupId: string } | { kind: 'new' } | { kind: 'reject' };

export interface ChatFacts {
  channelType: string;
  platformId: string;
  name: string | null;
  isGroup: boolean;
}

export interface RegistrationWiring {
  engageMode: 'mention-sticky' | 'pattern';
  engagePattern: string | null;
  senderScope: 'known';
  ignoredMessages: 'accumulate';
  sessionMode: 'shared';
  priority: 0;
}

/** What a config writer is asked to declare: the chat, wired to an existing agent group or to a new one. */
export interface ChatConfigRequest {
  /** Deterministic object name for the chat's MessagingGroup. */
  name: string;
  chat: ChatFacts;
  wiring: RegistrationWiring;
  agentGroup:
    | { existing: { id: string; displayName: string } }
    | { create: { name: string; displayName: string; folder: string } };
}

export function registrationOptions(groups: { id: string; name: string }[]): RegistrationOption[] {
  return [
    ...groups.slice(0, MAX_CONNECT_OPTIONS).map((g, i) => ({
      label: `Connect to ${g.name}`,
      value: `connect-${i + 1}`,
      agentGroupId: g.id,
    })),
    { label: 'New agent', value: 'new' },
    { label: 'Reject', value: 'reject' },
  ];
}

/** The choice a click names (by value, or by the button's position for platforms that send that), or null. */
export function choiceOf(
  options: RegistrationOption[],
  click: { value: string } | { index: number },
): RegistrationChoice | null {
  const option = 'index' in click ? options[click.index] : options.find((o) => o.value === click.value);
  if (!option) return null;
  if (option.value === 'new') return { kind: 'new' };
  if (option.value === 'reject') return { kind: 'reject' };
  return option.agentGroupId ? { kind: 'connect', agentGroupId: option.agentGroupId } : null;
}

export function describeChat(chat: ChatFacts): string {
  const where = `${chat.channelType} ${chat.isGroup ? 'group' : 'DM'} ${chat.platformId}`;
  return chat.name ? `${chat.name} (${where})` : where;
}

export function registrationCardText(chat: ChatFacts, sender: string | null, text: string): string {
  const quote = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
  return (
    `New chat: ${sender ?? 'someone'} wrote to the bot in ${describeChat(chat)}, which no agent serves yet:\n\n` +
    `> ${quote}\n\n` +
    'Connect it to an agent (it then answers there, starting with this message), create a new agent for it, or ' +
    'reject it (the bot then ignores that chat).'
  );
}

export function registrationWiring(threadId: string | null): RegistrationWiring {
  return {
    engageMode: threadId !== null ? 'mention-sticky' : 'pattern',
    engagePattern: threadId !== null ? null : '.',
    senderScope: 'known',
    ignoredMessages: 'accumulate',
    sessionMode: 'shared',
    priority: 0,
  };
}

const hashOf = (chat: ChatFacts) =>
  createHash('sha256').update(`${chat.channelType}\0${chat.platformId}`).digest('hex').slice(0, 10);

/** `chat-<channel>-<10 hex>`: a DNS label for the chat's MessagingGroup (and a new agent group's name/folder). */
export function registeredChatName(chat: ChatFacts): string {
  const channel = chat.channelType.replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  return `chat-${channel}-${hashOf(chat)}`;
}

export function chatConfigRequest(
  chat: ChatFacts,
  threadId: string | null,
  target: RegistrationChoice & { kind: 'connect' | 'new' },
  existingName: string | null,
): ChatConfigRequest {
  const name = registeredChatName(chat);
  return {
    name,
    chat,
    wiring: registrationWiring(threadId),
    agentGroup:
      target.kind === 'connect'
        ? { existing: { id: target.agentGroupId, displayName: existingName ?? target.agentGroupId } }
        : { create: { name, displayName: `Agent for ${describeChat(chat)}`.slice(0, 200), folder: name } },
  };
}
