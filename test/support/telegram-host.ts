/**
 * The real host in-process with one Telegram bot against the fake Bot API and the mock agent: what the tests of
 * host behaviour that only need some chat (runner limits, start failures, retention) start with.
 */
import pino from 'pino';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { TelegramAdapter } from '../../host/channels/telegram/telegram-adapter.js';
import { loadConfig } from '../../host/config.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { startHost, type HostOptions, type RunningHost } from '../../host/host.js';
import { FakeTelegram } from '../fakes/telegram/fake-telegram.js';
import { tempDir } from './host-process.js';
import { withDb } from './seed.js';

export interface TelegramHost {
  fake: FakeTelegram;
  host: RunningHost;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTelegramHost(o: {
  /** `<bot id>:<secret>`; the bot's username is `<name>_bot`. */
  token: string;
  name: string;
  seed: (db: CentralDb) => void;
  /** Host settings on top of a free port, a 250 ms runner poll and a 1 s sweep. */
  env?: Record<string, string>;
  host?: Partial<HostOptions>;
}): Promise<TelegramHost> {
  const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const fake = await FakeTelegram.start([
    { token: o.token, id: Number(o.token.split(':')[0]), username: `${o.name}_bot` },
  ]);
  const dataDir = tempDir(`nc-${o.name}-`);
  withDb(dataDir, o.seed);
  const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: o.token, TELEGRAM_API_ROOT: fake.apiRoot });
  const host = await startHost({
    config: loadConfig({
      NANOCLAW_DATA_DIR: dataDir,
      NANOCLAW_PORT: '0',
      NANOCLAW_RUNNER_POLL_MS: '250',
      NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
      ...o.env,
    }),
    log,
    channels: [
      new TelegramAdapter(instance!, log, { pollTimeoutSeconds: 1, backoff: { initial: 50, max: 500 } }),
    ],
    ...o.host,
  });
  return {
    fake,
    host,
    token: o.token,
    dataDir,
    close: async () => {
      await host.close();
      await fake.close();
    },
  };
}

/** The mock agent `assistant` ("Assistant"), answering every message in each person's DM; each is an owner. */
export function seedAssistantDms(db: CentralDb, people: number[]): void {
  upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' });
  for (const id of people) {
    const dm = upsertMessagingGroup(db, {
      channelType: 'telegram',
      platformId: String(id),
      isGroup: false,
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, {
      messagingGroupId: dm.id,
      agentGroupId: 'assistant',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    grantRole(db, { userId: `telegram:${id}`, role: 'owner' });
  }
}
