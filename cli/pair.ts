/**
 * `nanoclaw pair <channel>`: prints a one-time code to send to the bot in a private chat; the host then records
 * that account (and its DM), makes it the owner when there is none yet, and wires the DM to --agent if given
 * (host/access/pairing.ts). Works against the data dir of a running or stopped host; on a cluster run it with
 * `kubectl exec` in the host container.
 */
import { loadConfig } from '../host/config.js';
import { issuePairingCode } from '../host/access/pairing.js';
import { openCentralDb } from '../host/db/central-db.js';
import { dataLayout } from '../host/session/layout.js';
import { parse, UsageError } from './args.js';

const HELP = `Usage: nanoclaw pair <channel> [--agent <agent-group>] [--ttl-minutes N] [--data-dir DIR]

Prints a 6-digit code. Send exactly that code to the bot in a private chat on <channel> (telegram, discord,
slack, or a named bot such as telegram-support) within the validity (default 10 minutes). The host records your
account and DM; the first account paired on a host without an owner becomes the owner. With --agent, the DM is
wired to that agent group and you can talk to it right away. Five wrong codes cancel the pending ones.
`;

const CHANNEL = /^[a-z][a-z0-9-]{0,31}$/;

export function pairCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      agent: { type: 'string' },
      'ttl-minutes': { type: 'string' },
      'data-dir': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return Promise.resolve(0);
  }
  if (positionals.length !== 1) throw new UsageError(`pair: give exactly one channel\n\n${HELP}`);
  const channel = positionals[0]!;
  if (!CHANNEL.test(channel))
    throw new UsageError(`pair: channel "${channel}" must be a lower-case identifier like "telegram"`);
  const ttl = values['ttl-minutes'] === undefined ? 10 : Number(values['ttl-minutes']);
  if (!Number.isFinite(ttl) || ttl <= 0 || ttl > 24 * 60)
    throw new UsageError(`pair: --ttl-minutes must be a number of minutes between 1 and 1440`);
  const config = loadConfig({
    ...process.env,
    ...(values['data-dir'] !== undefined ? { NANOCLAW_DATA_DIR: values['data-dir'] } : {}),
  });
  const db = openCentralDb(dataLayout(config.dataDir).centralDb);
  try {
    const issued = issuePairingCode(db, {
      channelType: channel,
      agentGroupId: values.agent ?? null,
      ttlMs: ttl * 60_000,
    });
    process.stderr.write(
      `Send this code to the bot in a private chat on ${channel} before ${issued.expiresAt}:\n`,
    );
    process.stdout.write(`${issued.code}\n`);
    return Promise.resolve(0);
  } finally {
    db.close();
  }
}
