/** Builders of route-plan inputs and a one-line summary of a plan, for the router's table and invariant tests. */
import type { AccessDecision } from '../../host/access/access.js';
import type { InboundMessage } from '../../host/channels/adapter.js';
import type { MessagingGroup, Wiring } from '../../host/db/schema.js';
import type { RoutePlan, RouteSnapshot, WiringFacts } from '../../host/router/route-plan.js';
import type {
  EngageMode,
  IgnoredMessagePolicy,
  SenderScope,
  SessionMode,
  UnknownSenderPolicy,
} from '../../protocol/vocabulary.js';

export function chat(policy: UnknownSenderPolicy, over: Partial<MessagingGroup> = {}): MessagingGroup {
  return {
    id: 'mg-1',
    channel_type: 'telegram',
    platform_id: '-100',
    name: 'Team',
    is_group: 1,
    unknown_sender_policy: policy,
    denied_at: null,
    source: 'crd',
    source_uid: null,
    source_generation: null,
    created_at: '',
    updated_at: '',
    ...over,
  };
}

export interface W {
  ag?: string;
  mode?: EngageMode;
  pattern?: string | null;
  scope?: SenderScope;
  ignored?: IgnoredMessagePolicy;
  session?: SessionMode;
  /** The sender's own access to this agent group. */
  allowed?: boolean;
  admin?: boolean;
  sticky?: boolean;
  /** The senders of the running turn of the wiring's session; null or absent: nothing runs. */
  running?: string[] | null;
}

function wiring(w: W): WiringFacts {
  const row: Wiring = {
    id: `w-${w.ag ?? 'ag-1'}`,
    messaging_group_id: 'mg-1',
    agent_group_id: w.ag ?? 'ag-1',
    engage_mode: w.mode ?? 'mention',
    engage_pattern: w.pattern ?? null,
    sender_scope: w.scope ?? 'all',
    ignored_messages: w.ignored ?? 'drop',
    session_mode: w.session ?? 'shared',
    priority: 0,
    source: 'crd',
    source_uid: null,
    source_generation: null,
    created_at: '',
    updated_at: '',
  };
  const access: AccessDecision = w.allowed
    ? { allowed: true, reason: 'member' }
    : { allowed: false, reason: 'not_member' };
  return {
    wiring: row,
    access,
    isAdmin: w.admin ?? false,
    activeThreadSession: w.sticky ?? false,
    runningSenders: w.running ?? null,
  };
}

export function msg(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channelType: 'telegram',
    platformId: '-100',
    threadId: null,
    messageId: 'm1',
    senderHandle: '42',
    senderName: 'Ann',
    text: 'hello',
    isMention: true,
    isGroup: true,
    timestamp: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

export function snap(
  c: MessagingGroup | undefined,
  wirings: W[],
  over: Partial<RouteSnapshot> = {},
): RouteSnapshot {
  return { chat: c, threaded: true, userId: 'telegram:42', wirings: wirings.map(wiring), ...over };
}

/** The outcome in one line: deliveries as `ag:wake|ctx:mode`, drops as `reason@ag`, reply kind, flags. */
export function summary(p: RoutePlan): string {
  const parts = [
    `dropped=${p.dropped ?? '-'}`,
    `to=[${p.deliveries.map((d) => `${d.agentGroupId}:${d.wake ? 'wake' : 'ctx'}:${d.mode}`).join(',')}]`,
    `drops=[${p.drops.map((d) => `${d.reason}@${d.agentGroupId ?? '-'}`).join(',')}]`,
    `reply=${p.reply?.kind ?? '-'}`,
  ];
  if (p.createChat) parts.push('create');
  if (p.register) parts.push('register');
  if (p.upsertSender) parts.push('upsert');
  if (p.approvals.length) parts.push(`approve=[${p.approvals.join(',')}]`);
  return parts.join(' ');
}
