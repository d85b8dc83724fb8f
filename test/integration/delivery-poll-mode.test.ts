/**
 * NANOCLAW_DELIVERY_MODE=poll end to end: the real host in-process with real runner processes and the mock agent,
 * no notices either way. Messages are still answered, but only at the pace of the 1 s polls — a message sent right
 * after the previous reply waits for the runner's next look (about a second after its last turn), so a host that
 * ignored the mode (notices: a few milliseconds) fails the lower bound.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { loadConfig } from '../../host/config.js';
import { startHost, type RunningHost } from '../../host/host.js';
import { tempDir } from '../support/host-process.js';
import { RecordingAdapter } from '../support/recording-adapter.js';
import { waitFor } from '../support/runner-harness.js';
import { withDb } from '../support/seed.js';

const adapter = new RecordingAdapter('poll-test', false);
let host: RunningHost;
let n = 0;

/** Routes one message to the chat and resolves with the milliseconds until the agent's reply reached the adapter. */
async function roundTrip(text: string): Promise<number> {
  const t0 = Date.now();
  await host.route({
    channelType: 'poll-test',
    platformId: 'chat',
    threadId: null,
    messageId: `m${++n}`,
    senderHandle: 'tester',
    text,
    isMention: true,
    isGroup: false,
    timestamp: new Date().toISOString(),
  });
  await waitFor(
    `the reply to "${text}"`,
    () => adapter.sent.some((s) => s.payload.text === `Mock response to: ${text}`),
    20_000,
    5,
  );
  return Date.now() - t0;
}

describe('the polling delivery mode', () => {
  beforeAll(async () => {
    const dataDir = tempDir('nc-poll-mode-');
    withDb(dataDir, (db) => {
      upsertAgentGroup(db, { id: 'agent', name: 'Agent', folder: 'agent', provider: 'mock' });
      const mg = upsertMessagingGroup(db, {
        channelType: 'poll-test',
        platformId: 'chat',
        unknownSenderPolicy: 'public',
      });
      upsertWiring(db, {
        messagingGroupId: mg.id,
        agentGroupId: 'agent',
        engageMode: 'pattern',
        engagePattern: '.',
      });
    });
    host = await startHost({
      config: loadConfig({
        NANOCLAW_DATA_DIR: dataDir,
        NANOCLAW_PORT: '0',
        NANOCLAW_DELIVERY_MODE: 'poll',
        // Even a fast fallback setting does not make the runner poll faster than the mode's 1 s.
        NANOCLAW_RUNNER_POLL_MS: '50',
        NANOCLAW_SWEEP_INTERVAL_SECONDS: '30',
        LOG_LEVEL: 'warn',
      }),
      log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
      channels: [adapter],
    });
  }, 30_000);

  afterAll(() => host?.close());

  it('answers every message, each only after the runner’s and the host’s 1 s polls', async () => {
    await roundTrip('first message, which starts the runner');
    const warm: number[] = [];
    for (let i = 1; i <= 3; i++) warm.push(await roundTrip(`follow-up ${i}`));
    expect(adapter.sent).toHaveLength(4);
    for (const ms of warm) expect(ms).toBeGreaterThanOrEqual(500);
  }, 60_000);
});
