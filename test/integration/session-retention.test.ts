/**
 * Session retention end to end: with a retention of about two seconds and a one-second idle timeout, a chat's
 * session is closed once its runner has stopped, and the next message starts a new session that answers as usual.
 * The real host in-process, real runner processes, the fake Telegram Bot API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, message } from '../fakes/telegram/updates.js';
import { seedAssistantDms, startTelegramHost, type TelegramHost } from '../support/telegram-host.js';

let t: TelegramHost;

const sessions = () =>
  t.host.db.all(t.host.db.q.selectFrom('sessions').select(['id', 'status']).orderBy('created_at'));
const reply = (text: string) =>
  t.fake.waitFor(
    () => t.fake.messages.find((m) => m.text === `Mock response to: ${text}`),
    `the answer to ${text}`,
    30_000,
  );

describe('session retention', () => {
  beforeAll(async () => {
    t = await startTelegramHost({
      token: '9292:retention',
      name: 'keep',
      seed: (db) => seedAssistantDms(db, [ALICE.id]),
      env: {
        NANOCLAW_SWEEP_INTERVAL_SECONDS: '0.5',
        NANOCLAW_IDLE_TIMEOUT_SECONDS: '1',
        NANOCLAW_SESSION_RETENTION_DAYS: String(2 / 86_400),
      },
    });
  }, 30_000);

  afterAll(() => t?.close());

  it('closes a quiet session after its runner stopped, and the next message starts a new one', async () => {
    t.fake.inject(t.token, { message: message({ text: 'first' }) });
    await reply('first');
    const [first] = sessions();
    const deadline = Date.now() + 20_000;
    while (sessions()[0]?.status !== 'closed' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(sessions()).toEqual([{ id: first!.id, status: 'closed' }]);
    t.fake.inject(t.token, { message: message({ text: 'again' }) });
    await reply('again');
    expect(sessions()).toEqual([
      { id: first!.id, status: 'closed' },
      { id: expect.not.stringMatching(first!.id) as string, status: 'active' },
    ]);
  }, 60_000);
});
