/**
 * `nanoclaw status`: one look at a host's data dir — agents, chats, wirings, roles, sessions and runners, pending
 * approvals, this month's model tokens per agent group against its budget, the sessions' disk use, dropped-message
 * counts by reason, the configured channels with the last error recorded for each, and the latest failures (host
 * messages, agent deliveries).
 *
 * Invariants: read-only (a session's inbound.db is read only when it already exists); every list is bounded, so
 * status stays cheap on a busy host. Collecting (I/O) and building the sections (pure) are apart.
 */
import fs from 'node:fs';
import { listGrants } from '../host/access/roles.js';
import { channelInstances } from '../host/channels/channel-instance.js';
import {
  dropCountsByReason,
  failedHostMessages,
  listSenderApprovals,
  openChannelRegistrations,
  recentNotices,
} from '../host/db/admin-views.js';
import { budgetReached, periodOf } from '../host/budget/budget-period.js';
import { listAgentGroups } from '../host/db/agent-groups.js';
import type { CentralDb } from '../host/db/central-db.js';
import { listMessagingGroups } from '../host/db/messaging-groups.js';
import { listModelUsage, usedTokens } from '../host/db/model-usage.js';
import type {
  AgentGroup,
  ChannelRegistration,
  HostMessage,
  MessagingGroup,
  ModelUsageRow,
  CentralSchema,
  UserRole,
  Wiring,
} from '../host/db/schema.js';
import { listWirings } from '../host/db/wirings.js';
import { dataLayout } from '../host/session/layout.js';
import { SessionDbs } from '../host/session/session-dbs.js';
import { sessionsDiskUsage, type DiskUsage } from '../host/session/disk-usage.js';
import { getSession, listSessions } from '../host/session/session-store.js';
import { COMMON_OPTIONS, dataDirOf, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { columns, parseOutput, renderSections, type Section, type View } from './output.js';
import { sessionFacts } from './inventory.js';
import {
  agentsView,
  approvalsView,
  chatsView,
  grantsView,
  sessionsView,
  wiringsView,
  type SessionFacts,
} from './views.js';

const HELP = `Usage: nanoclaw status [-o table|json|yaml] [--data-dir DIR]

Shows, from the host's data dir: agent groups, chats, wirings, roles, active sessions and whether their runner
runs, pending sender approvals, this month's model tokens per agent group (as the credential proxy counted
them, calendar month UTC) against its budget, the largest session directories on disk (with the total), new
chats waiting for registration, dropped messages counted by reason, the configured channels (bot tokens in this
environment: run it where the host runs) with the last send error recorded for each, the latest failure notices people were sent (a runner that cannot start, a message that
could not be delivered), and the latest failures: host messages (replies, cards, notices) and agent messages
that could not be delivered.

Options:
  -o table|json|yaml  output format (default table)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)
`;

type SenderApproval = CentralSchema['pending_sender_approvals'];

const LIMIT = 20;
const ERROR_LIMIT = 10;

interface FailedDelivery {
  sessionId: string;
  messageId: string;
  error: string | null;
  at: string;
}

interface StatusFacts {
  disk: DiskUsage;
  diskStatus: Map<string, string>;
  agents: AgentGroup[];
  chats: MessagingGroup[];
  wirings: Wiring[];
  grants: UserRole[];
  approvals: SenderApproval[];
  registrations: ChannelRegistration[];
  notices: HostMessage[];
  period: string;
  usage: ModelUsageRow[];
  drops: ReturnType<typeof dropCountsByReason>;
  sessions: SessionFacts[];
  channels: { channelType: string; platform: string }[];
  failedHost: HostMessage[];
  failedDeliveries: FailedDelivery[];
}

/** The last failed delivery rows of the most recently active sessions whose inbound.db exists. */
function failedDeliveries(db: CentralDb, dataDir: string, sessions: SessionFacts[]): FailedDelivery[] {
  const dbs = new SessionDbs(db, dataLayout(dataDir));
  const out: FailedDelivery[] = [];
  try {
    for (const { session } of sessions.slice(0, LIMIT)) {
      const handle = dbs.get(session.id);
      if (!handle || !fs.existsSync(handle.paths.inboundDb)) continue;
      const inbound = handle.inbound();
      const rows = inbound.all(
        inbound.q
          .selectFrom('delivered')
          .selectAll()
          .where('status', '=', 'failed')
          .orderBy('delivered_at', 'desc')
          .limit(ERROR_LIMIT),
      );
      for (const r of rows)
        out.push({ sessionId: session.id, messageId: r.message_out_id, error: r.error, at: r.delivered_at });
    }
  } finally {
    dbs.closeAll();
  }
  return out.sort((a, b) => b.at.localeCompare(a.at)).slice(0, ERROR_LIMIT);
}

function channelsView(facts: StatusFacts): View {
  const lastError = (channelType: string) => facts.failedHost.find((m) => m.channel_type === channelType);
  const configured = [{ channelType: 'web', platform: 'web' }, ...facts.channels];
  return {
    columns: columns(
      ['channel', 'CHANNEL'],
      ['platform', 'PLATFORM'],
      ['lastError', 'LAST ERROR'],
      ['lastErrorAt', 'AT'],
    ),
    rows: configured.map((c) => ({
      channel: c.channelType,
      platform: c.platform,
      lastError: lastError(c.channelType)?.error ?? null,
      lastErrorAt: lastError(c.channelType)?.finished_at ?? null,
    })),
  };
}

/** Every agent group with a budget or usage this period; `state` is paused once the budget is reached. */
function usageView(f: StatusFacts): View {
  const rows = f.agents.flatMap((g) => {
    const u = f.usage.find((r) => r.agent_group_id === g.id);
    const budget = g.budget_monthly_tokens;
    if (!u && budget === null) return [];
    const used = usedTokens(u);
    return [
      {
        agentGroup: g.id,
        period: f.period,
        tokens: used,
        budget,
        state: budgetReached(budget, used) ? 'paused' : 'ok',
        input: u?.input_tokens ?? 0,
        output: u?.output_tokens ?? 0,
        cacheRead: u?.cache_read_tokens ?? 0,
        cacheWrite: u?.cache_write_tokens ?? 0,
        calls: u?.calls ?? 0,
      },
    ];
  });
  return {
    columns: columns(
      ['agentGroup', 'AGENT GROUP'],
      ['period', 'MONTH'],
      ['tokens', 'TOKENS'],
      ['budget', 'BUDGET'],
      ['state', 'STATE'],
      ['input', 'INPUT'],
      ['output', 'OUTPUT'],
      ['cacheRead', 'CACHE READ'],
      ['cacheWrite', 'CACHE WRITE'],
      ['calls', 'CALLS'],
    ),
    rows,
  };
}

function registrationsView(rows: ChannelRegistration[]): View {
  return {
    columns: columns(
      ['id', 'ID'],
      ['status', 'STATUS'],
      ['chat', 'CHAT'],
      ['sender', 'SENDER'],
      ['approver', 'ASKED'],
      ['createdAt', 'CREATED'],
      ['error', 'ERROR'],
    ),
    rows: rows.map((r) => ({
      id: r.id,
      status: r.status,
      chat: r.messaging_group_id,
      sender: r.sender_id,
      approver: r.approver_user_id,
      createdAt: r.created_at,
      error: r.error,
    })),
  };
}

function noticesView(rows: HostMessage[]): View {
  return {
    columns: columns(['at', 'AT'], ['to', 'TO'], ['text', 'NOTICE']),
    rows: rows.map((m) => ({ at: m.created_at, to: `${m.channel_type}/${m.platform_id}`, text: m.text })),
  };
}

function errorsView(facts: StatusFacts): View {
  const host = facts.failedHost.map((m) => ({
    at: m.finished_at ?? m.created_at,
    what: `host ${m.kind} to ${m.channel_type}/${m.platform_id}`,
    id: m.id,
    error: m.error,
  }));
  const agent = facts.failedDeliveries.map((d) => ({
    at: d.at,
    what: `agent message of session ${d.sessionId}`,
    id: d.messageId,
    error: d.error,
  }));
  return {
    columns: columns(['at', 'AT'], ['what', 'WHAT'], ['id', 'ID'], ['error', 'ERROR']),
    rows: [...host, ...agent].sort((a, b) => b.at.localeCompare(a.at)).slice(0, ERROR_LIMIT),
  };
}

function bounded(key: string, title: string, view: View, limit = LIMIT): Section {
  const more = view.rows.length - limit;
  return {
    key,
    title,
    view: { columns: view.columns, rows: view.rows.slice(0, limit) },
    ...(more > 0 ? { note: `… and ${more} more (see "nanoclaw ${key} list")` } : {}),
  };
}

/** The largest session directories; the note gives the total (a lower bound when the walk stopped early). */
function diskSection(f: StatusFacts): Section {
  const { sessions, totalBytes, partial } = f.disk;
  return {
    key: 'disk',
    title: 'SESSION DISK USE (LARGEST FIRST)',
    view: {
      columns: columns(
        ['session', 'SESSION'],
        ['folder', 'FOLDER'],
        ['status', 'STATUS'],
        ['bytes', 'BYTES'],
      ),
      rows: sessions.slice(0, LIMIT).map((d) => ({
        session: d.sessionId,
        folder: d.folder,
        status: f.diskStatus.get(d.sessionId) ?? 'unknown',
        bytes: d.bytes,
      })),
    },
    note: `${sessions.length} session directories, ${(totalBytes / 2 ** 20).toFixed(1)} MiB in all${partial ? ' (at least: stopped counting)' : ''}`,
  };
}

/** The sections of the report, in the order people read them. */
function statusSections(f: StatusFacts): Section[] {
  return [
    bounded(
      'agents',
      'AGENT GROUPS',
      agentsView(
        f.agents,
        f.wirings,
        f.sessions.map((s) => s.session),
      ),
    ),
    bounded('chats', 'CHATS', chatsView(f.chats, f.wirings)),
    bounded('wirings', 'WIRINGS', wiringsView(f.wirings)),
    bounded('roles', 'ROLES', grantsView(f.grants)),
    bounded('sessions', 'SESSIONS AND RUNNERS', sessionsView(f.sessions)),
    bounded('approvals', 'PENDING APPROVALS', approvalsView(f.approvals)),
    bounded('usage', 'MODEL TOKENS THIS MONTH (UTC)', usageView(f)),
    diskSection(f),
    {
      key: 'registrations',
      title: 'NEW CHATS WAITING FOR REGISTRATION',
      view: registrationsView(f.registrations),
    },
    {
      key: 'dropped',
      title: 'DROPPED MESSAGES BY REASON',
      view: {
        columns: columns(
          ['reason', 'REASON'],
          ['messages', 'MESSAGES'],
          ['senders', 'SENDERS'],
          ['lastSeen', 'LAST SEEN'],
        ),
        rows: f.drops.map((d) => ({
          reason: d.reason,
          messages: d.messages,
          senders: d.senders,
          lastSeen: d.last_seen,
        })),
      },
    },
    { key: 'channels', title: 'CHANNELS', view: channelsView(f) },
    { key: 'notices', title: 'FAILURE NOTICES SENT', view: noticesView(f.notices) },
    { key: 'errors', title: 'LAST ERRORS', view: errorsView(f) },
  ];
}

function collect(db: CentralDb, dataDir: string): StatusFacts {
  const sessions = sessionFacts(db, dataLayout(dataDir), listSessions(db, { includeClosed: false }));
  const period = periodOf(new Date());
  const disk = sessionsDiskUsage(dataLayout(dataDir).sessionsDir);
  const shown = disk.sessions.slice(0, LIMIT).map((d) => d.sessionId);
  return {
    disk,
    diskStatus: new Map(
      shown.flatMap((id) => {
        const s = getSession(db, id);
        return s ? [[id, s.status] as const] : [];
      }),
    ),
    agents: listAgentGroups(db),
    chats: listMessagingGroups(db),
    wirings: listWirings(db),
    grants: listGrants(db),
    // One more than shown, so the section can say there are more.
    approvals: listSenderApprovals(db, { status: 'pending', limit: LIMIT + 1 }),
    registrations: openChannelRegistrations(db, LIMIT),
    notices: recentNotices(db, ERROR_LIMIT),
    period,
    usage: listModelUsage(db, period),
    drops: dropCountsByReason(db),
    sessions,
    channels: channelInstances(process.env).map((c) => ({
      channelType: c.channelType,
      platform: c.platform,
    })),
    failedHost: failedHostMessages(db, ERROR_LIMIT * 5),
    failedDeliveries: failedDeliveries(db, dataDir, sessions),
  };
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, COMMON_OPTIONS, true);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`status: unexpected argument "${positionals[0]}"`);
  const format = parseOutput(values.output, 'status');
  const dataDir = dataDirOf(values);
  const text = await withCentralDb(dataDir, (db) =>
    renderSections(format, statusSections(collect(db, dataDir))),
  );
  process.stdout.write(text);
  return 0;
}
