/**
 * The runner limit end to end: with NANOCLAW_MAX_RUNNERS=1, three chats writing at once are all answered while
 * never more than one runner runs — the others wait in line and get the slot as soon as the runner before them
 * has nothing left to do. The real host in-process, real runner processes, the fake Telegram Bot API.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { TelegramAdapter } from '../../host/channels/telegram/telegram-adapter.js';
import { loadConfig } from '../../host/config.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { startHost, type RunningHost } from '../../host/host.js';
import { FakeTelegram } from '../fakes/telegram/fake-telegram.js';
import { message, type Person } from '../fakes/telegram/updates.js';
import { tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '9191:runner-limit';
const PEOPLE: Person[] = [1, 2, 3].map((id) => ({ id: 900 + id, first_name: `P${id}` }));
const log = pino({ level: 'silent' });
let fake: FakeTelegram;
let host: RunningHost;

/** The nanoclaw_runners gauge and the queue depth from /metrics. */
async function gauges(): Promise<{ runners: number; queued: number }> {
  const text = await (await fetch(new URL('/metrics', host.webUrl))).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { runners: value('nanoclaw_runners'), queued: value('nanoclaw_runner_queue_depth') };
}

describe('the runner limit', () => {
  beforeAll(async () => {
    fake = await FakeTelegram.start([{ token: TOKEN, id: 9191, username: 'limit_bot' }]);
    const dataDir = tempDir('nc-runner-limit-');
    withDb(dataDir, (db) => {
      upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' });
      for (const p of PEOPLE) {
        const dm = upsertMessagingGroup(db, {
          channelType: 'telegram',
          platformId: String(p.id),
          isGroup: false,
          unknownSenderPolicy: 'strict',
        });
        upsertWiring(db, {
          messagingGroupId: dm.id,
          agentGroupId: 'assistant',
          engageMode: 'pattern',
          engagePattern: '.',
        });
        grantRole(db, { userId: `telegram:${p.id}`, role: 'owner' });
      }
    });
    const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    host = await startHost({
      config: loadConfig({
        NANOCLAW_DATA_DIR: dataDir,
        NANOCLAW_PORT: '0',
        NANOCLAW_RUNNER_POLL_MS: '250',
        NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
        NANOCLAW_MAX_RUNNERS: '1',
      }),
      log,
      channels: [
        new TelegramAdapter(instance!, log, { pollTimeoutSeconds: 1, backoff: { initial: 50, max: 500 } }),
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await host?.close();
    await fake?.close();
  });

  it('answers every chat while never running more than one runner', async () => {
    for (const p of PEOPLE)
      fake.inject(TOKEN, { message: message({ from: p, text: `hi from ${p.first_name}` }) });
    let most = 0;
    let queuedSeen = 0;
    const answered = () =>
      PEOPLE.every((p) => fake.messages.some((m) => m.text === `Mock response to: hi from ${p.first_name}`));
    const deadline = Date.now() + 60_000;
    while (!answered() && Date.now() < deadline) {
      const g = await gauges();
      most = Math.max(most, g.runners);
      queuedSeen = Math.max(queuedSeen, g.queued);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answered()).toBe(true);
    expect(most).toBe(1);
    expect(queuedSeen).toBeGreaterThan(0);
    expect((await gauges()).queued).toBe(0);
  }, 70_000);
});
