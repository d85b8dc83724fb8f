/**
 * The verb registry: every `nanoclaw <verb>` with its one-line summary, in the order `nanoclaw --help` lists them.
 * cli/main.ts dispatches through it and cli/help-doc.ts generates docs/cli.md from it, so a verb added here is
 * documented (and a verb missing here does not exist).
 */
import { agentsCommand, chatsCommand, droppedCommand, sessionsCommand, usersCommand } from './inventory.js';
import { approvalsCommand } from './approvals.js';
import { chatCommand } from './chat.js';
import { initFirstAgentCommand } from './init-first-agent.js';
import { membersCommand } from './members.js';
import { operatorCommand } from './operator.js';
import { pairCommand } from './pair.js';
import { rolesCommand } from './roles.js';
import { hostCommand, startCommand } from './start.js';
import { statusCommand } from './status.js';
import { tasksCommand } from './tasks.js';
import { verifyCommand } from './verify.js';
import { webTokenCommand } from './web-token.js';

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
    run: startCommand,
  },
  {
    name: 'host',
    summary:
      'run the host service (the operator fills its DB; use with NANOCLAW_RUNTIME=kubernetes on a cluster)',
    run: hostCommand,
  },
  {
    name: 'operator',
    summary: 'reconcile AgentGroup, MessagingGroup and UserRole resources into the central DB',
    run: operatorCommand,
  },
  {
    name: 'chat',
    summary: "talk to an agent from the terminal through a running host's web chat API",
    run: chatCommand,
  },
  {
    name: 'web-token',
    summary: 'create, list or revoke per-user bearer tokens for the web chat API',
    run: webTokenCommand,
  },
  {
    name: 'verify',
    summary: "check the configuration, the DB and every configured chat bot's token with its platform",
    run: verifyCommand,
  },
  {
    name: 'pair',
    summary: 'print a one-time code that links your Telegram/Discord/Slack account (first one: owner)',
    run: pairCommand,
  },
  {
    name: 'init-first-agent',
    summary: 'give a person their own agent in a DM (owner when there is none) and have it greet them',
    run: initFirstAgentCommand,
  },
  {
    name: 'status',
    summary: 'agents, chats, roles, sessions, approvals, drops, channels and recent errors at a glance',
    run: statusCommand,
  },
  { name: 'users', summary: 'list the users the host knows', run: usersCommand },
  {
    name: 'roles',
    summary: 'list, grant, revoke or export owner/admin grants (UserRole objects on Kubernetes)',
    run: rolesCommand,
  },
  { name: 'members', summary: 'list, add or remove members of an agent group', run: membersCommand },
  { name: 'agents', summary: 'list agent groups', run: agentsCommand },
  { name: 'chats', summary: 'list chats (messaging groups) and the agents wired to them', run: chatsCommand },
  { name: 'sessions', summary: 'list sessions and whether their runner is running', run: sessionsCommand },
  {
    name: 'approvals',
    summary: 'list, approve or deny unknown senders waiting for an approval',
    run: approvalsCommand,
  },
  {
    name: 'dropped',
    summary: 'list messages that reached no agent, by chat, sender and reason',
    run: droppedCommand,
  },
  {
    name: 'tasks',
    summary: "list, pause, resume, cancel or run now a session's scheduled tasks",
    run: tasksCommand,
  },
];
