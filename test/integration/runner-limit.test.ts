/**
 * The runner limit end to end: with NANOCLAW_MAX_RUNNERS=1, three chats writing at once are all answered while
 * never more than one runner runs — the others wait in line and get the slot as soon as the runner before them
 * has nothing left to do. The real host in-process, real runner processes, the fake Telegram Bot API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, type Person } from '../fakes/telegram/updates.js';
import { seedAssistantDms, startTelegramHost, type TelegramHost } from '../support/telegram-host.js';

const PEOPLE: Person[] = [1, 2, 3].map((id) => ({ id: 900 + id, first_name: `P${id}` }));
let t: TelegramHost;

/** The nanoclaw_runners gauge and the queue depth from /metrics. */
async function gauges(): Promise<{ runners: number; queued: number }> {
  const text = await (await fetch(new URL('/metrics', t.host.webUrl))).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { runners: value('nanoclaw_runners'), queued: value('nanoclaw_runner_queue_depth') };
}

describe('the runner limit', () => {
  beforeAll(async () => {
    t = await startTelegramHost({
      token: '9191:runner-limit',
      name: 'limit',
      seed: (db) =>
        seedAssistantDms(
          db,
          PEOPLE.map((p) => p.id),
        ),
      env: { NANOCLAW_MAX_RUNNERS: '1' },
    });
  }, 30_000);

  afterAll(() => t?.close());

  it('answers every chat while never running more than one runner', async () => {
    const { fake, token } = t;
    for (const p of PEOPLE)
      fake.inject(token, { message: message({ from: p, text: `hi from ${p.first_name}` }) });
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
