/**
 * `nanoclaw verify`: checks the configuration a host would start with — the environment parses, the data dir's
 * DB opens and migrates, and every configured chat bot answers the platform's "who am I" call with its token.
 * Prints one line per check (or JSON with -o json); exits 1 when a check fails, 2 on bad configuration.
 */
import pino from 'pino';
import type { ChannelHealth } from '../host/channels/adapter.js';
import { createChannels } from '../host/channels/create-channels.js';
import { loadConfig } from '../host/config.js';
import { openCentralDb } from '../host/db/central-db.js';
import { dataLayout } from '../host/session/layout.js';
import { parse, UsageError } from './args.js';

const HELP = `Usage: nanoclaw verify [-o table|json] [--timeout-seconds N]

Checks what "nanoclaw start" or "nanoclaw host" would use: the environment (NANOCLAW_*, bot tokens), the central
DB in the data dir, and each configured channel (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN, SLACK_BOT_TOKEN and named
bots <PLATFORM>_BOT_TOKEN_<NAME>): configured, reachable (the platform accepted the token; shows the bot's name),
or failing (the platform's error). Exit code 1 when anything fails.
`;

interface Check {
  check: string;
  state: 'ok' | 'configured' | 'reachable' | 'failing';
  detail: string;
}

function withTimeout(p: Promise<ChannelHealth>, ms: number): Promise<ChannelHealth> {
  return Promise.race([
    p,
    new Promise<ChannelHealth>((resolve) => {
      const t = setTimeout(() => resolve({ state: 'failing', error: `no answer within ${ms / 1000} s` }), ms);
      t.unref();
    }),
  ]);
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    output: { type: 'string', short: 'o' },
    'timeout-seconds': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`verify: -o must be table or json, not "${output}"`);
  const timeoutMs = Number(values['timeout-seconds'] ?? 10) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('verify: --timeout-seconds must be positive');

  const config = loadConfig();
  const checks: Check[] = [{ check: 'config', state: 'ok', detail: `data dir ${config.dataDir}` }];
  try {
    openCentralDb(dataLayout(config.dataDir).centralDb).close();
    checks.push({ check: 'database', state: 'ok', detail: dataLayout(config.dataDir).centralDb });
  } catch (err) {
    checks.push({ check: 'database', state: 'failing', detail: (err as Error).message });
  }
  const log = pino({ level: 'silent' });
  const adapters = await createChannels(config.channels, log);
  if (adapters.length === 0)
    checks.push({ check: 'channels', state: 'ok', detail: 'no chat bots configured (web chat only)' });
  const results = await Promise.all(
    adapters.map(async (a): Promise<Check> => {
      if (!a.verify)
        return { check: `channel ${a.channelType}`, state: 'configured', detail: 'no check available' };
      const h = await withTimeout(
        a
          .verify()
          .catch((err: unknown): ChannelHealth => ({ state: 'failing', error: (err as Error).message })),
        timeoutMs,
      );
      return h.state === 'reachable'
        ? { check: `channel ${a.channelType}`, state: 'reachable', detail: h.detail }
        : { check: `channel ${a.channelType}`, state: 'failing', detail: h.error };
    }),
  );
  checks.push(...results);
  if (output === 'json') process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
  else {
    const width = Math.max(...checks.map((c) => c.check.length));
    for (const c of checks)
      process.stdout.write(`${c.check.padEnd(width)}  ${c.state.padEnd(10)}  ${c.detail}\n`);
  }
  return checks.some((c) => c.state === 'failing') ? 1 : 0;
}
