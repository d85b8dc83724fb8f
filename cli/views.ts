/**
 * Pure table builders of the admin verbs: DB rows (and facts read beside them) in, a View out. Column keys are
 * the JSON/YAML field names, so they are stable API; headers are for people.
 */
import type {
  CentralSchema,
  AgentGroup,
  MessagingGroup,
  Session,
  User,
  UserRole,
  Wiring,
} from '../host/db/schema.js';
import { columns, type View } from './output.js';

type Member = CentralSchema['agent_group_members'];
type Drop = CentralSchema['dropped_messages'];
type Approval = CentralSchema['pending_sender_approvals'];

const scopeOf = (agentGroupId: string | null) => agentGroupId ?? '(global)';

export function usersView(users: User[], grants: UserRole[], members: Member[]): View {
  return {
    columns: columns(['id', 'USER'], ['name', 'NAME'], ['roles', 'ROLES'], ['memberOf', 'MEMBER OF']),
    rows: users.map((u) => ({
      id: u.id,
      name: u.display_name,
      roles: grants
        .filter((g) => g.user_id === u.id)
        .map((g) => (g.agent_group_id ? `${g.role}@${g.agent_group_id}` : g.role))
        .join(', '),
      memberOf: members
        .filter((m) => m.user_id === u.id)
        .map((m) => m.agent_group_id)
        .join(', '),
    })),
  };
}

export function grantsView(grants: UserRole[]): View {
  return {
    columns: columns(
      ['user', 'USER'],
      ['role', 'ROLE'],
      ['agentGroup', 'AGENT GROUP'],
      ['source', 'SOURCE'],
      ['grantedBy', 'GRANTED BY'],
      ['grantedAt', 'GRANTED AT'],
    ),
    rows: grants.map((g) => ({
      user: g.user_id,
      role: g.role,
      agentGroup: scopeOf(g.agent_group_id),
      source: g.source,
      grantedBy: g.granted_by,
      grantedAt: g.granted_at,
    })),
  };
}

export function membersView(members: Member[]): View {
  return {
    columns: columns(
      ['user', 'USER'],
      ['agentGroup', 'AGENT GROUP'],
      ['source', 'SOURCE'],
      ['addedBy', 'ADDED BY'],
      ['addedAt', 'ADDED AT'],
    ),
    rows: members.map((m) => ({
      user: m.user_id,
      agentGroup: m.agent_group_id,
      source: m.source,
      addedBy: m.added_by,
      addedAt: m.added_at,
    })),
  };
}

export function agentsView(groups: AgentGroup[], wirings: Wiring[], sessions: Session[]): View {
  return {
    columns: columns(
      ['id', 'ID'],
      ['name', 'NAME'],
      ['folder', 'FOLDER'],
      ['provider', 'PROVIDER'],
      ['model', 'MODEL'],
      ['chats', 'CHATS'],
      ['activeSessions', 'SESSIONS'],
      ['source', 'SOURCE'],
    ),
    rows: groups.map((g) => ({
      id: g.id,
      name: g.name,
      folder: g.folder,
      provider: g.agent_provider,
      model: g.model,
      chats: wirings.filter((w) => w.agent_group_id === g.id).length,
      activeSessions: sessions.filter((s) => s.agent_group_id === g.id && s.status === 'active').length,
      source: g.source,
    })),
  };
}

export function chatsView(chats: MessagingGroup[], wirings: Wiring[]): View {
  return {
    columns: columns(
      ['id', 'ID'],
      ['channel', 'CHANNEL'],
      ['platformId', 'PLATFORM ID'],
      ['name', 'NAME'],
      ['unknownSenderPolicy', 'POLICY'],
      ['agents', 'AGENTS'],
      ['source', 'SOURCE'],
    ),
    rows: chats.map((c) => ({
      id: c.id,
      channel: c.channel_type,
      platformId: c.platform_id,
      name: c.name,
      unknownSenderPolicy: c.denied_at ? `${c.unknown_sender_policy} (denied)` : c.unknown_sender_policy,
      agents: wirings
        .filter((w) => w.messaging_group_id === c.id)
        .map((w) => w.agent_group_id)
        .join(', '),
      source: c.source,
    })),
  };
}

export function wiringsView(wirings: Wiring[]): View {
  return {
    columns: columns(
      ['chat', 'CHAT'],
      ['agentGroup', 'AGENT GROUP'],
      ['engage', 'ENGAGE'],
      ['senderScope', 'SENDERS'],
      ['sessionMode', 'SESSIONS'],
      ['priority', 'PRIORITY'],
      ['source', 'SOURCE'],
    ),
    rows: wirings.map((w) => ({
      chat: w.messaging_group_id,
      agentGroup: w.agent_group_id,
      engage: w.engage_pattern === null ? w.engage_mode : `${w.engage_mode} ${w.engage_pattern}`,
      senderScope: w.sender_scope,
      sessionMode: w.session_mode,
      priority: w.priority,
      source: w.source,
    })),
  };
}

export interface SessionFacts {
  session: Session;
  /** Milliseconds since the runner last touched its heartbeat file; null when there is none. */
  heartbeatAgeMs: number | null;
}

export function sessionsView(facts: SessionFacts[]): View {
  return {
    columns: columns(
      ['id', 'ID'],
      ['agentGroup', 'AGENT GROUP'],
      ['chat', 'CHAT'],
      ['thread', 'THREAD'],
      ['status', 'STATUS'],
      ['runner', 'RUNNER'],
      ['heartbeatAgeSeconds', 'HEARTBEAT (S AGO)'],
      ['lastActive', 'LAST ACTIVE'],
      ['nextWake', 'NEXT WAKE'],
    ),
    rows: facts.map(({ session: s, heartbeatAgeMs }) => ({
      id: s.id,
      agentGroup: s.agent_group_id,
      chat: s.messaging_group_id,
      thread: s.thread_id,
      status: s.status,
      // A runner holds a session token from its start until its exit (host/runner/runner-manager.ts).
      runner: s.runner_token_hash === null ? 'stopped' : 'running',
      heartbeatAgeSeconds: heartbeatAgeMs === null ? null : Math.round(heartbeatAgeMs / 1000),
      lastActive: s.last_active,
      nextWake: s.next_wake_at,
    })),
  };
}

export function approvalsView(approvals: Approval[]): View {
  return {
    columns: columns(
      ['id', 'ID'],
      ['status', 'STATUS'],
      ['sender', 'SENDER'],
      ['senderName', 'NAME'],
      ['chat', 'CHAT'],
      ['agentGroup', 'AGENT GROUP'],
      ['approver', 'APPROVER'],
      ['createdAt', 'CREATED'],
      ['expiresAt', 'EXPIRES'],
      ['decidedBy', 'DECIDED BY'],
    ),
    rows: approvals.map((a) => ({
      id: a.id,
      status: a.status,
      sender: a.sender_id,
      senderName: a.sender_name,
      chat: a.messaging_group_id,
      agentGroup: a.agent_group_id,
      approver: a.approver_user_id,
      createdAt: a.created_at,
      expiresAt: a.expires_at,
      decidedBy: a.decided_by,
    })),
  };
}

export function dropsView(drops: Drop[]): View {
  return {
    columns: columns(
      ['reason', 'REASON'],
      ['channel', 'CHANNEL'],
      ['platformId', 'PLATFORM ID'],
      ['user', 'SENDER'],
      ['senderName', 'NAME'],
      ['agentGroup', 'AGENT GROUP'],
      ['messages', 'MESSAGES'],
      ['lastSeen', 'LAST SEEN'],
    ),
    rows: drops.map((d) => ({
      reason: d.reason,
      channel: d.channel_type,
      platformId: d.platform_id,
      user: d.user_id,
      senderName: d.sender_name,
      agentGroup: d.agent_group_id,
      messages: d.message_count,
      lastSeen: d.last_seen,
    })),
  };
}
