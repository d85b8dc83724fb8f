/**
 * Bounded session files end to end: with a keep of 3 messages, a conversation of 8 leaves at most 3 finished chat
 * messages in inbound.db once its runner stopped, the next runner prunes the replies the host recorded, the host
 * then drops their `delivered` rows, and every reply reached the chat exactly once. A closed session's inbound.db
 * is vacuumed. The real host in-process, real runner processes, the fake Telegram Bot API.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, message } from '../fakes/telegram/updates.js';
import { seedAssistantDms, startTelegramHost, type TelegramHost } from '../support/telegram-host.js';

let t: TelegramHost;

const session = () => t.host.db.first(t.host.db.q.selectFrom('sessions').selectAll().orderBy('created_at'))!;
const sessionFile = (name: string) => {
  const s = session();
  const folder = t.host.db.first(
    t.host.db.q.selectFrom('agent_groups').select('folder').where('id', '=', s.agent_group_id),
  )!.folder;
  return path.join(t.dataDir, 'sessions', folder, s.id, name);
};
const count = (file: string, sql: string) => {
  const db = new Database(sessionFile(file), { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
};
const answered = (text: string) =>
  t.fake.messages.filter((m) => m.text === `Mock response to: ${text}`).length;
const until = async (what: string, ok: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('bounded session files', () => {
  beforeAll(async () => {
    t = await startTelegramHost({
      token: '9393:compaction',
      name: 'compact',
      seed: (db) => seedAssistantDms(db, [ALICE.id]),
      env: {
        NANOCLAW_SWEEP_INTERVAL_SECONDS: '0.5',
        NANOCLAW_IDLE_TIMEOUT_SECONDS: '1',
        NANOCLAW_SESSION_KEEP_MESSAGES: '3',
        NANOCLAW_SESSION_KEEP_DAYS: '0',
      },
    });
  }, 30_000);

  afterAll(() => t?.close());

  it('keeps the newest messages and replies once runners stop, and sends every reply once', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => `note ${i + 1}`);
    for (const text of texts) {
      t.fake.inject(t.token, { message: message({ text }) });
      await until(`the answer to ${text}`, () => answered(text) === 1, 30_000);
    }
    // The runner stops after a second of idleness; the host compacts inbound.db then.
    await until(
      'inbound.db to be compacted',
      () => count('inbound.db', `SELECT count(*) FROM messages_in WHERE kind = 'chat'`) <= 3,
    );
    // The next runner prunes what the host recorded; after it stops the host forgets those deliveries.
    t.fake.inject(t.token, { message: message({ text: 'one more' }) });
    await until('the answer to one more', () => answered('one more') === 1, 30_000);
    expect(count('outbound.db', `SELECT count(*) FROM messages_out`)).toBeLessThanOrEqual(4);
    await until('delivered rows to follow', () => count('inbound.db', `SELECT count(*) FROM delivered`) <= 4);
    for (const text of [...texts, 'one more']) expect(answered(text), text).toBe(1);
  }, 120_000);
});

describe('a closed session', () => {
  beforeAll(async () => {
    t = await startTelegramHost({
      token: '9494:vacuum',
      name: 'vacuum',
      seed: (db) => seedAssistantDms(db, [ALICE.id]),
      env: {
        NANOCLAW_SWEEP_INTERVAL_SECONDS: '0.5',
        NANOCLAW_IDLE_TIMEOUT_SECONDS: '1',
        NANOCLAW_SESSION_KEEP_MESSAGES: '2',
        NANOCLAW_SESSION_KEEP_DAYS: '0',
        NANOCLAW_SESSION_RETENTION_DAYS: String(4 / 86_400),
      },
    });
  }, 30_000);

  afterAll(() => t?.close());

  it('has its inbound.db vacuumed when it is closed', async () => {
    // Messages of ~3 KB each: pruning them frees whole pages, which only a vacuum gives back.
    const texts = Array.from({ length: 6 }, (_, i) => `${i + 1} ${'x'.repeat(3000)}`);
    for (const text of texts) {
      t.fake.inject(t.token, { message: message({ text }) });
      await until(`answer ${text.slice(0, 2)}`, () => answered(text) === 1, 30_000);
    }
    const file = sessionFile('inbound.db');
    // When the runner stops the messages are pruned and their pages freed, but the file keeps its size.
    await until('pages to be freed', () => count('inbound.db', 'PRAGMA freelist_count') >= 3);
    const before = fs.statSync(file).size;
    await until('the session to close', () => session().status === 'closed');
    expect(count('inbound.db', `SELECT count(*) FROM messages_in WHERE kind = 'chat'`)).toBeLessThanOrEqual(
      2,
    );
    expect(count('inbound.db', 'PRAGMA freelist_count')).toBe(0);
    expect(fs.statSync(file).size).toBeLessThanOrEqual(before - 3 * 4096);
  }, 90_000);
});
