/**
 * A runner that cannot be started: the message stays accepted, the chat hears once why and that NanoClaw keeps
 * trying, and the answer arrives by itself once the runner can start — the real host in-process, the real runner
 * process and the fake Telegram Bot API.
 */
import fs from 'node:fs';
import path from 'node:path';
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
import { defaultRunnerCommand } from '../../host/runtime/runner-command.js';
import { FakeTelegram } from '../fakes/telegram/fake-telegram.js';
import { ALICE, message } from '../fakes/telegram/updates.js';
import { tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '4343:start-failure';
const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
let fake: FakeTelegram;
let host: RunningHost;
let launcher: string;

describe('a runner that cannot be started', () => {
  beforeAll(async () => {
    fake = await FakeTelegram.start([{ token: TOKEN, id: 4343, username: 'nano_bot' }]);
    const dataDir = tempDir('nc-start-fail-');
    withDb(dataDir, (db) => {
      upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' });
      const dm = upsertMessagingGroup(db, {
        channelType: 'telegram',
        platformId: String(ALICE.id),
        isGroup: false,
        unknownSenderPolicy: 'strict',
      });
      upsertWiring(db, {
        messagingGroupId: dm.id,
        agentGroupId: 'assistant',
        engageMode: 'pattern',
        engagePattern: '.',
      });
      grantRole(db, { userId: `telegram:${ALICE.id}`, role: 'owner' });
    });
    // The runner command is a launcher script that does not exist yet: every start fails with ENOENT.
    launcher = path.join(dataDir, 'launch-runner.sh');
    const [instance] = channelInstances({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    const adapter = new TelegramAdapter(instance!, log, {
      pollTimeoutSeconds: 1,
      backoff: { initial: 50, max: 500 },
    });
    host = await startHost({
      // A custom runner command runs unsandboxed, and a Telegram chat is one other people can write in.
      config: loadConfig({
        NANOCLAW_DATA_DIR: dataDir,
        NANOCLAW_PORT: '0',
        NANOCLAW_RUNNER_POLL_MS: '250',
        NANOCLAW_UNSANDBOXED_SHARED_CHATS: 'true',
      }),
      log,
      channels: [adapter],
      runnerCommand: [launcher],
    });
  });

  afterAll(async () => {
    await host?.close();
    await fake?.close();
  });

  it('tells the chat once, keeps the message, and answers it when the runner can start', async () => {
    fake.inject(TOKEN, { message: message({ text: 'are you there?' }) });
    const notice = await fake.waitFor(
      () => fake.messages.find((m) => m.text.includes('could not be started')),
      'a notice that the agent could not be started',
      15_000,
    );
    expect(notice.chat_id).toBe(String(ALICE.id));
    expect(notice.text).toMatch(
      /^Assistant could not be started: could not run the runner command .*ENOENT.*Your message is kept/,
    );
    // The second message arrives while the runner still cannot start: no second notice.
    fake.inject(TOKEN, { message: message({ text: 'hello again [[echo-context]]' }) });
    await new Promise((r) => setTimeout(r, 500));
    const [node, entry] = defaultRunnerCommand();
    fs.writeFileSync(launcher, `#!/bin/sh\nexec ${node} ${entry}\n`, { mode: 0o755 });
    // Both messages were kept: the first turn after the start sees them in one batch.
    const answer = await fake.waitFor(
      () => fake.messages.find((m) => m.text.includes('hello again')),
      'the answer to both messages',
      30_000,
    );
    expect(answer.text).toContain('are you there?');
    expect(fake.messages.filter((m) => m.text.includes('could not be started'))).toHaveLength(1);
  }, 60_000);
});
