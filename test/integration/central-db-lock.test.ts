/**
 * Another process locking the central DB (issue 15) must not freeze the host: a message that needs the DB gets a
 * 503 with the reason at once while the event loop keeps serving everyone else, and a reply that was on its way
 * is delivered — once — when the lock is gone, not given up on.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_HEADER, WEB_ROUTES } from '../../host/channels/web/web-api.js';
import { holdLock } from '../support/db-lock.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';
import { authFor, ChatStream, send, sleep } from '../support/web-client.js';

let host: HostProcess;
let chat: ChatStream;
let centralDb: string;

beforeAll(async () => {
  const dataDir = tempDir('nc-central-lock-');
  seedWeb(dataDir);
  centralDb = path.join(dataDir, 'nanoclaw.db');
  host = await startHostProcess({ dataDir, env: { LOG_LEVEL: 'info' } });
  chat = new ChatStream(host.url, 'main');
  await chat.opened();
  await send(host.url, { text: 'warm up' });
  await chat.waitFor((r) => r.text === 'Mock response to: warm up', 30_000);
});

afterAll(async () => {
  chat?.close();
  expect(await host?.stop()).toBe(0);
});

/** Polls /healthz every 50 ms until `stop` resolves; returns the slowest answer in ms. */
async function slowestHealthz(stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => (done = true));
  let slowest = 0;
  while (!done) {
    const t = Date.now();
    const res = await fetch(new URL('/healthz', host.url));
    await res.text();
    slowest = Math.max(slowest, Date.now() - t);
    await sleep(50);
  }
  return slowest;
}

const postKeyed = (text: string, key: string) =>
  fetch(new URL(WEB_ROUTES.messages, host.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDEMPOTENCY_HEADER]: key, ...authFor(host.url) },
    body: JSON.stringify({ text }),
  });

describe('a lock on the central DB held by another process', () => {
  it('answers a message 503 with the reason within a second, keeps serving, and takes the retry after', async () => {
    const release = await holdLock(centralDb);
    let status: number;
    let body: { error?: string };
    let retryAfter: string | null;
    let elapsed: number;
    let slowest: number;
    try {
      const started = Date.now();
      const posted = postKeyed('while the central DB is locked', 'central-lock-0001');
      slowest = await slowestHealthz(posted);
      const res = await posted;
      elapsed = Date.now() - started;
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      body = (await res.json()) as { error?: string };
    } finally {
      await release();
    }
    expect({ status, error: body.error }).toEqual({
      status: 503,
      error: expect.stringContaining('locked by another process'),
    });
    expect(retryAfter).not.toBeNull();
    expect(elapsed).toBeLessThan(1500);
    expect(slowest).toBeLessThan(1000);

    const retry = await postKeyed('while the central DB is locked', 'central-lock-0001');
    expect(retry.status).toBe(202);
    await chat.waitFor((r) => r.text === 'Mock response to: while the central DB is locked', 30_000);
    await sleep(500);
    expect(
      chat.replies.filter((r) => r.text === 'Mock response to: while the central DB is locked'),
    ).toHaveLength(1);
    expect(host.proc.exitCode).toBeNull();
  });

  it('delivers a reply written during a 7 s lock exactly once after it, without stalling the host meanwhile', async () => {
    await send(host.url, { text: 'answer me during the lock [[delay:800]]' });
    const release = await holdLock(centralDb);
    const held = sleep(7000);
    const slowest = await slowestHealthz(held);
    await release();
    expect(slowest).toBeLessThan(1000);
    await chat.waitFor((r) => r.text === 'Mock response to: answer me during the lock', 30_000);
    await sleep(1500);
    expect(chat.replies.filter((r) => r.text === 'Mock response to: answer me during the lock')).toHaveLength(
      1,
    );
    expect(chat.replies.filter((r) => r.author.kind === 'host')).toEqual([]);
    expect(host.proc.exitCode).toBeNull();
  });
});
