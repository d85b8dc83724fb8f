/**
 * The read-only list verbs: `nanoclaw users | agents | chats | sessions | dropped [list]`. Each reads the central
 * DB in the data dir (a running host's or a stopped one's) and prints a table, or JSON/YAML with -o.
 */
import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { listMembers } from '../host/access/members.js';
import { listGrants } from '../host/access/roles.js';
import { listDrops } from '../host/db/admin-views.js';
import { getAgentGroup, listAgentGroups } from '../host/db/agent-groups.js';
import type { CentralDb } from '../host/db/central-db.js';
import { listMessagingGroups } from '../host/db/messaging-groups.js';
import type { Session } from '../host/db/schema.js';
import { listUsers } from '../host/db/users.js';
import { listWirings } from '../host/db/wirings.js';
import { dataLayout, sessionPaths, type DataLayout } from '../host/session/layout.js';
import { listSessions } from '../host/session/session-store.js';
import { actionOf, COMMON_OPTIONS, dataDirOf, positiveInt, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { parseOutput, render, type View } from './output.js';
import { agentsView, chatsView, dropsView, sessionsView, usersView, type SessionFacts } from './views.js';

const OUTPUT_HELP = `Options:
  -o table|json|yaml  output format (default table)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)`;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

/** A verb whose only action is `list` (the default). */
function listVerb(
  verb: string,
  help: string,
  build: (db: CentralDb, values: Values, dataDir: string) => View,
  extra: Options = {},
): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, ...extra }, true);
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    actionOf(verb, positionals, ['list'], 'list');
    if (positionals.length > 1) throw new UsageError(`${verb} list: unexpected argument "${positionals[1]}"`);
    const format = parseOutput(values.output, verb);
    const dataDir = dataDirOf(values);
    const view = await withCentralDb(dataDir, (db) => build(db, values, dataDir));
    process.stdout.write(render(format, view));
    return 0;
  };
}

function mtimeAgeMs(file: string, now: number): number | null {
  try {
    return Math.max(0, now - fs.statSync(file).mtimeMs);
  } catch {
    return null;
  }
}

/** Sessions with their runner's heartbeat age (the runner touches .heartbeat in its session directory). */
export function sessionFacts(db: CentralDb, layout: DataLayout, sessions: Session[]): SessionFacts[] {
  const now = Date.now();
  return sessions.map((session) => {
    const folder = getAgentGroup(db, session.agent_group_id)?.folder;
    const heartbeat = folder ? sessionPaths(layout, folder, session.id).heartbeat : null;
    return { session, heartbeatAgeMs: heartbeat ? mtimeAgeMs(heartbeat, now) : null };
  });
}

export const usersCommand = listVerb(
  'users',
  `Usage: nanoclaw users [list] [-o table|json|yaml] [--data-dir DIR]

Lists the users the host knows (ids are <channel>:<handle>), with their roles (owner, admin, admin@<agent
group>) and the agent groups they are explicit members of.

${OUTPUT_HELP}
`,
  (db) => usersView(listUsers(db), listGrants(db), listMembers(db)),
);

export const agentsCommand = listVerb(
  'agents',
  `Usage: nanoclaw agents [list] [-o table|json|yaml] [--data-dir DIR]

Lists the agent groups: id, name, folder, model provider and model, how many chats are wired to each, its
active sessions, and where it comes from (source crd = an AgentGroup object or manifest, runtime = the host).

${OUTPUT_HELP}
`,
  (db) => agentsView(listAgentGroups(db), listWirings(db), listSessions(db, { includeClosed: false })),
);

export const chatsCommand = listVerb(
  'chats',
  `Usage: nanoclaw chats [list] [-o table|json|yaml] [--data-dir DIR]

Lists the chats (messaging groups): channel, platform id, name, unknown-sender policy ("denied" when an owner
rejected the chat), the agent groups wired to it, and its source.

${OUTPUT_HELP}
`,
  (db) => chatsView(listMessagingGroups(db), listWirings(db)),
);

export const sessionsCommand = listVerb(
  'sessions',
  `Usage: nanoclaw sessions [list] [--all] [-o table|json|yaml] [--data-dir DIR]

Lists the active sessions (with --all, closed ones too), most recently active first: agent group, chat and
thread, whether a runner is running for it (it holds a session token from start to exit), how long ago the
runner last wrote its heartbeat, and when scheduled work next wakes it.

${OUTPUT_HELP}
  --all               include closed sessions
`,
  (db, values, dataDir) =>
    sessionsView(
      sessionFacts(db, dataLayout(dataDir), listSessions(db, { includeClosed: values.all === true })),
    ),
  { all: { type: 'boolean' } },
);

export const droppedCommand = listVerb(
  'dropped',
  `Usage: nanoclaw dropped [list] [--limit N] [-o table|json|yaml] [--data-dir DIR]

Lists inbound messages that reached no agent, one line per (chat, sender, reason) with a count, most recent
first. Reasons: no_agent_wired, no_agent_engaged, unknown_sender_strict, unknown_sender_request_approval,
sender_scope, denied_chat, and the approval outcomes the router records.

${OUTPUT_HELP}
  --limit N           at most N lines (default 50)
`,
  (db, values) => dropsView(listDrops(db, positiveInt('dropped', 'limit', values.limit as string, 50))),
  { limit: { type: 'string' } },
);
