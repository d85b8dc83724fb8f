/**
 * The Slack channel configured from SLACK_* env: the `nanoclaw host` process in Socket Mode and in Events API mode
 * (signed requests on the webhook listener), with the mock agent and the fake Slack in test/fakes/slack.
 */
import { describe, expect, it } from 'vitest';
import { FakeSlack, signedPost } from '../fakes/slack/fake-slack.js';
import { startHostProcess, tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

import {
  ALICE,
  DM,
  SECRET,
  sleep,
  seed,
  postedIn,
  reply,
  freePort,
  people,
} from '../support/slack-scenario.js';

describe('slack channel through the host process (env configuration)', () => {
  it('Socket Mode from SLACK_BOT_TOKEN + SLACK_APP_TOKEN + SLACK_API_URL: answers and stops cleanly', async () => {
    const fake = await FakeSlack.start();
    people(fake);
    const dataDir = tempDir('nc-slackp-');
    withDb(dataDir, seed);
    const host = await startHostProcess({
      dataDir,
      env: {
        SLACK_BOT_TOKEN: fake.id.botToken,
        SLACK_APP_TOKEN: fake.id.appToken,
        SLACK_API_URL: fake.apiUrl,
      },
    });
    try {
      await fake.socket.waitForConnections(1);
      expect(
        await fake.socket.sendEvent(
          fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'from the process' })),
        ).acked,
      ).toBe(true);
      await reply(fake, DM, 'Mock response to: from the process');
      const output = host.output.join('\n');
      expect(output).not.toContain(fake.id.botToken);
      expect(output).not.toContain(fake.id.appToken);
      expect(await host.stop()).toBe(0);
    } finally {
      await host.kill();
      await fake.close();
    }
  });

  it('Events API mode: bad or stale signatures are 401 and route nothing; signed events are answered once', async () => {
    const fake = await FakeSlack.start();
    people(fake);
    const dataDir = tempDir('nc-slackw-');
    withDb(dataDir, seed);
    const port = await freePort();
    const host = await startHostProcess({
      dataDir,
      env: {
        SLACK_BOT_TOKEN: fake.id.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        NANOCLAW_WEBHOOK_PORT: String(port),
      },
    });
    const url = `http://127.0.0.1:${port}/webhooks/slack`;
    try {
      await host.waitForLog((l) => l.msg === 'slack channel started');
      expect(await signedPost(url, SECRET, { type: 'url_verification', challenge: 'c-123' })).toEqual({
        status: 200,
        text: JSON.stringify({ challenge: 'c-123' }),
      });
      const forged = fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'forged' }));
      expect((await signedPost(url, 'not-the-secret', forged)).status).toBe(401);
      const stale = fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'replayed' }));
      expect(
        (await signedPost(url, SECRET, stale, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status,
      ).toBe(401);
      expect((await signedPost(url, SECRET, '{"type":', {})).status).toBe(400);

      const event = fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'pushed in' }));
      expect((await signedPost(url, SECRET, event)).status).toBe(200);
      expect((await signedPost(url, SECRET, event, { retryNum: 1 })).status).toBe(200);
      await reply(fake, DM, 'Mock response to: pushed in');
      await sleep(500);
      expect(postedIn(fake, DM).filter((m) => m.text.includes('pushed in'))).toHaveLength(1);
      expect(postedIn(fake, DM).some((m) => /forged|replayed/.test(m.text))).toBe(false);
      expect(fake.api.callsOf('apps.connections.open')).toHaveLength(0);
      expect(await host.stop()).toBe(0);
    } finally {
      await host.kill();
      await fake.close();
    }
  });
});
