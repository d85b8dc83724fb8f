/**
 * The verb registry: every `nanoclaw <verb>` with its one-line summary, in the order `nanoclaw --help` lists them.
 * cli/main.ts dispatches through it and cli/help-doc.ts generates docs/cli.md from it, so a verb added here is
 * documented (and a verb missing here does not exist).
 */

/** A verb's code is loaded when it runs, so `nanoclaw users` does not load the chat SDKs or the Kubernetes client. */
function lazy<M>(load: () => Promise<M>, pick: (m: M) => Verb['run']): Verb['run'] {
  return async (argv) => pick(await load())(argv);
}

export interface Verb {
  name: string;
  summary: string;
  /** Runs the verb; resolves with the exit code (0 ok, 1 runtime failure, 2 bad usage). `--help` prints its help. */
  run: (argv: string[]) => Promise<number>;
}

export const VERBS: readonly Verb[] = [
  {
    name: 'start',
    summary: 'run everything on this machine: host, manifest loader, runners as child processes, web chat',
    run: lazy(
      () => import('./start.js'),
      (m) => m.startCommand,
    ),
  },
  {
    name: 'host',
    summary:
      'run the host service (the operator fills its DB; use with NANOCLAW_RUNTIME=kubernetes on a cluster)',
    run: lazy(
      () => import('./start.js'),
      (m) => m.hostCommand,
    ),
  },
  {
    name: 'operator',
    summary: 'reconcile AgentGroup, MessagingGroup and UserRole resources into the central DB',
    run: lazy(
      () => import('./operator.js'),
      (m) => m.operatorCommand,
    ),
  },
  {
    name: 'chat',
    summary: "talk to an agent from the terminal through a running host's web chat API",
    run: lazy(
      () => import('./chat.js'),
      (m) => m.chatCommand,
    ),
  },
  {
    name: 'web-token',
    summary: 'create, list or revoke per-user bearer tokens for the web chat API',
    run: lazy(
      () => import('./web-token.js'),
      (m) => m.webTokenCommand,
    ),
  },
  {
    name: 'verify',
    summary: "check the configuration, the DB and every configured chat bot's token with its platform",
    run: lazy(
      () => import('./verify.js'),
      (m) => m.verifyCommand,
    ),
  },
  {
    name: 'pair',
    summary: 'print a one-time code that links your Telegram/Discord/Slack account (first one: owner)',
    run: lazy(
      () => import('./pair.js'),
      (m) => m.pairCommand,
    ),
  },
  {
    name: 'init-first-agent',
    summary: 'give a person their own agent in a DM (owner when there is none) and have it greet them',
    run: lazy(
      () => import('./init-first-agent.js'),
      (m) => m.initFirstAgentCommand,
    ),
  },
  {
    name: 'status',
    summary: 'agents, chats, roles, sessions, approvals, drops, channels and recent errors at a glance',
    run: lazy(
      () => import('./status.js'),
      (m) => m.statusCommand,
    ),
  },
  {
    name: 'users',
    summary: 'list the users the host knows',
    run: lazy(
      () => import('./inventory.js'),
      (m) => m.usersCommand,
    ),
  },
  {
    name: 'roles',
    summary: 'list, grant, revoke or export owner/admin grants (UserRole objects on Kubernetes)',
    run: lazy(
      () => import('./roles.js'),
      (m) => m.rolesCommand,
    ),
  },
  {
    name: 'members',
    summary: 'list, add or remove members of an agent group',
    run: lazy(
      () => import('./members.js'),
      (m) => m.membersCommand,
    ),
  },
  {
    name: 'agents',
    summary: 'list agent groups',
    run: lazy(
      () => import('./inventory.js'),
      (m) => m.agentsCommand,
    ),
  },
  {
    name: 'chats',
    summary: 'list chats (messaging groups) and the agents wired to them',
    run: lazy(
      () => import('./inventory.js'),
      (m) => m.chatsCommand,
    ),
  },
  {
    name: 'sessions',
    summary: 'list sessions and whether their runner is running',
    run: lazy(
      () => import('./inventory.js'),
      (m) => m.sessionsCommand,
    ),
  },
  {
    name: 'approvals',
    summary: 'list, approve or deny unknown senders waiting for an approval',
    run: lazy(
      () => import('./approvals.js'),
      (m) => m.approvalsCommand,
    ),
  },
  {
    name: 'dropped',
    summary: 'list messages that reached no agent, by chat, sender and reason',
    run: lazy(
      () => import('./inventory.js'),
      (m) => m.droppedCommand,
    ),
  },
  {
    name: 'tasks',
    summary: "list, pause, resume, cancel or run now a session's scheduled tasks",
    run: lazy(
      () => import('./tasks.js'),
      (m) => m.tasksCommand,
    ),
  },
  {
    name: 'backup',
    summary: 'copy the central DB and every session DB online, with a manifest, while the host runs',
    run: lazy(
      () => import('./backup.js'),
      (m) => m.backupCommand,
    ),
  },
  {
    name: 'restore',
    summary: 'restore a backup into an empty data dir (checks the manifest first)',
    run: lazy(
      () => import('./restore.js'),
      (m) => m.restoreCommand,
    ),
  },
];
