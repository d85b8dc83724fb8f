/**
 * Web delivery is durable (issue 15): a reply is in the chat's stored history before it counts as delivered, so
 * a client that connects later — after a host restart, without Last-Event-ID — sees it, and a client that resumes
 * from an event id gets exactly what it missed. A retried POST with the same Idempotency-Key is one message.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROUTES } from '../../host/channels/web/web-api.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb, withDb } from '../support/seed.js';
import { authFor, ChatStream, post, send, sleep } from '../support/web-client.js';

let dataDir: string;
let host: HostProcess;
const streams: ChatStream[] = [];

function watch(resumeFrom?: string | null): ChatStream {
  const s = new ChatStream(host.url, 'main', resumeFrom);
  streams.push(s);
  return s;
}

/** Polls the stored history until a message with this text is there (no client is connected meanwhile). */
async function storedReply(text: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const row = withDb(dataDir, (db) =>
      db.first(db.q.selectFrom('web_events').select('id').where('text', '=', text)),
    );
    if (row) return;
    await sleep(100);
  }
  throw new Error(`no stored message ${JSON.stringify(text)} in ${timeoutMs} ms`);
}

/** How many times the agent's inbound.db holds a chat message with this text. */
function inboundCount(text: string): number {
  const sessions = withDb(dataDir, (db) => db.all(db.q.selectFrom('sessions').select('id')));
  return sessions.reduce((n, { id }) => {
    const db = new Database(path.join(dataDir, 'sessions', 'assistant', id, 'inbound.db'), {
      readonly: true,
    });
    try {
      const rows = db.prepare(`SELECT content FROM messages_in WHERE kind = 'chat'`).all() as {
        content: string;
      }[];
      return n + rows.filter((r) => (JSON.parse(r.content) as { text?: string }).text === text).length;
    } finally {
      db.close();
    }
  }, 0);
}

async function restart(): Promise<void> {
  expect(await host.stop()).toBe(0);
  host = await startHostProcess({ dataDir });
}

beforeAll(async () => {
  dataDir = tempDir();
  seedWeb(dataDir);
  host = await startHostProcess({ dataDir });
});

afterAll(async () => {
  for (const s of streams) s.close();
  expect(await host?.stop()).toBe(0);
});

describe('durable web delivery', () => {
  it('shows a reply delivered while no client was connected, after a restart, to a client without Last-Event-ID', async () => {
    await send(host.url, { text: 'nobody is watching' });
    await storedReply('Mock response to: nobody is watching');
    await restart();
    const late = watch();
    await late.opened();
    const reply = await late.waitFor((r) => r.text === 'Mock response to: nobody is watching');
    expect(reply.author).toEqual({ kind: 'agent', name: 'assistant', agentGroupId: 'assistant' });
    expect(late.messages.map((m) => [m.author.kind, m.text])).toEqual([
      ['user', 'nobody is watching'],
      ['agent', 'Mock response to: nobody is watching'],
    ]);
  });

  it('gives a client resuming from an old event id exactly the messages it missed, across a restart', async () => {
    const first = watch();
    await first.opened();
    await send(host.url, { text: 'before the gap' });
    await first.waitFor((r) => r.text === 'Mock response to: before the gap');
    const mark = first.lastEventId!;
    first.close();
    await send(host.url, { text: 'in the gap' });
    await storedReply('Mock response to: in the gap');
    await restart();
    await send(host.url, { text: 'after the restart' });
    await storedReply('Mock response to: after the restart');

    const resumed = watch(mark);
    await resumed.opened();
    await resumed.waitFor((r) => r.text === 'Mock response to: after the restart');
    await sleep(300);
    expect(resumed.messages.map((m) => m.text)).toEqual([
      'in the gap',
      'Mock response to: in the gap',
      'after the restart',
      'Mock response to: after the restart',
    ]);
    const ids = resumed.eventIds.map(Number);
    expect(ids[0]).toBeGreaterThan(Number(mark));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('accepts a message once per Idempotency-Key: the retry gets the same 202 answer and writes nothing', async () => {
    const key = { 'idempotency-key': 'retry-after-econnreset-0001' };
    const body = { text: 'exactly once please' };
    const [a, b] = await Promise.all([
      post(host.url, WEB_ROUTES.messages, body, key),
      post(host.url, WEB_ROUTES.messages, body, key),
    ]);
    await storedReply('Mock response to: exactly once please');
    const c = await post(host.url, WEB_ROUTES.messages, body, key);
    expect(a.status).toBe(202);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    await sleep(1000);
    expect(inboundCount('exactly once please')).toBe(1);
    const history = watch();
    await history.opened();
    await history.waitFor((r) => r.text === 'Mock response to: exactly once please');
    expect(history.messages.filter((m) => m.text === 'exactly once please')).toHaveLength(1);
    expect(history.replies.filter((m) => m.text === 'Mock response to: exactly once please')).toHaveLength(1);
  });

  it('keeps the key across a restart, and treats the same key of another user as a different key', async () => {
    const key = { 'idempotency-key': 'survives-a-restart-0001' };
    const first = await post(host.url, WEB_ROUTES.messages, { text: 'keyed before restart' }, key);
    await storedReply('Mock response to: keyed before restart');
    await restart();
    expect(await post(host.url, WEB_ROUTES.messages, { text: 'keyed before restart' }, key)).toEqual(first);
    expect(inboundCount('keyed before restart')).toBe(1);
    const other = await post(
      host.url,
      WEB_ROUTES.messages,
      { text: 'keyed before restart' },
      { ...key, ...authFor(host.url, 'ann') },
    );
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('refuses a malformed Idempotency-Key with a 400', async () => {
    const r = await post(host.url, WEB_ROUTES.messages, { text: 'x' }, { 'idempotency-key': 'bad key' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/Idempotency-Key/);
  });
});
