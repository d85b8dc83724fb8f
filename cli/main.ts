#!/usr/bin/env node
/**
 * `nanoclaw <verb>` — the composition root. Verbs: start (embedded default), host, operator, chat, web-token, pair, verify.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
import { ConfigError } from '../host/config.js';
import { UsageError } from './args.js';
import { chatCommand } from './chat.js';
import { operatorCommand } from './operator.js';
import { pairCommand } from './pair.js';
import { verifyCommand } from './verify.js';
import { hostCommand, startCommand } from './start.js';
import { webTokenCommand } from './web-token.js';

const USAGE = `Usage: nanoclaw <command> [options]

Commands:
  start      run everything on this machine: host, manifest loader, runners as child processes, web chat
  host       run the host service (the operator fills its DB; use with NANOCLAW_RUNTIME=kubernetes on a cluster)
  operator   reconcile AgentGroup, MessagingGroup and UserRole resources into the central DB
  chat       talk to an agent from the terminal through a running host's web chat API
  web-token  create, list or revoke per-user bearer tokens for the web chat API
  verify     check the configuration, the DB and every configured chat bot's token with its platform
  pair       print a one-time code that links your Telegram/Discord/Slack account (first one: owner)

Run "nanoclaw <command> --help" for a command's options. Configuration comes from the environment
(NANOCLAW_DATA_DIR, NANOCLAW_CONFIG_DIR, NANOCLAW_PORT, NANOCLAW_RUNTIME, ANTHROPIC_API_KEY, LOG_LEVEL, ...).
`;

const verbs: Record<string, (argv: string[]) => Promise<number>> = {
  start: startCommand,
  host: hostCommand,
  operator: operatorCommand,
  chat: chatCommand,
  'web-token': webTokenCommand,
  pair: pairCommand,
  verify: verifyCommand,
};

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(USAGE);
    return verb ? 0 : 2;
  }
  const run = verbs[verb];
  if (!run) {
    process.stderr.write(`nanoclaw: unknown command "${verb}"\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || err instanceof ConfigError;
    process.stderr.write(`nanoclaw: ${(err as Error).message}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
