/**
 * Session retention end to end: with a retention of about a second and a one-second idle timeout, a chat's session
 * is closed once its runner has stopped, and the next message starts a new session that answers as usual. The
 * real host in-process, real runner processes, the fake Telegram Bot API.
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
import { ALICE, message } from '../fakes/telegram/updates.js';
import { tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '9292:retention';
const log = pino({ level: 'silent' });
let fake: FakeTelegram;
let host: RunningHost;

const sessions = () =>
  host.db.all(host.db.q.selectFrom('sessions').select(['id', 'status']).orderBy('created_at'));
const reply = (text: string) =>
  fake.waitFor(
    () => fake.messages.find((m) => m.text === `Mock response to: ${text}`),
    `the answer to ${text}`,
    30_000,
  );

describe('session retention', () => {
  beforeAll(async () => {
    fake = await FakeTelegram.start([{ token: TOKEN, id: 9292, username: 'keep_bot' }]);
    const dataDir = tempDir('nc-retention-');
    withDb(dataDir, (db) => {
      upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' });
      const dm = upsertMessagingGroup(db, {
        channelType: 'telegram',
        platformId: String(ALICE.id),
        isGroup: false,
      });
      upsertWiring(db, {
        messagingGroupId: dm.id,
        agentGroupId: 'assistant',
        engageMode: 'pattern',
        engagePattern: '.',
      });
      grantRole(db, { userId: `telegram:${ALICE.id}`, role: 'owner' });
    });
    const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    host = await startHost({
      config: loadConfig({
        NANOCLAW_DATA_DIR: dataDir,
        NANOCLAW_PORT: '0',
        NANOCLAW_RUNNER_POLL_MS: '250',
        NANOCLAW_SWEEP_INTERVAL_SECONDS: '0.5',
        NANOCLAW_IDLE_TIMEOUT_SECONDS: '1',
        NANOCLAW_SESSION_RETENTION_DAYS: String(2 / 86_400),
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

  it('closes a quiet session after its runner stopped, and the next message starts a new one', async () => {
    fake.inject(TOKEN, { message: message({ text: 'first' }) });
    await reply('first');
    const [first] = sessions();
    const deadline = Date.now() + 20_000;
    while (sessions()[0]?.status !== 'closed' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(sessions()).toEqual([{ id: first!.id, status: 'closed' }]);
    fake.inject(TOKEN, { message: message({ text: 'again' }) });
    await reply('again');
    expect(sessions()).toEqual([
      { id: first!.id, status: 'closed' },
      { id: expect.not.stringMatching(first!.id) as string, status: 'active' },
    ]);
  }, 60_000);
});
