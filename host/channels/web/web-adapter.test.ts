import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { limitBusyWait, openCentralDb, type CentralDb } from '../../db/central-db.js';
import { IdempotencyKeys } from './idempotency-keys.js';
import { WebAdapter, type StreamEvent } from './web-adapter.js';
import { WebEventStore } from './web-events.js';

function adapter(db: CentralDb = openCentralDb(':memory:'), log = pino({ level: 'silent' })) {
  return new WebAdapter({
    events: new WebEventStore(db, { retentionMs: 3600_000, perChat: 100, historyLimit: 50 }),
    keys: new IdempotencyKeys(db),
    log,
  });
}
const to = { channelType: 'web', platformId: 'main', threadId: null };
const helper = { id: 'helper', name: 'Helper' };

describe('WebAdapter', () => {
  it('names the author and marks host notices as errors, help as info', async () => {
    const web = adapter();
    await web.send(to, { text: 'hi', author: { kind: 'agent', agentGroupId: 'helper', name: 'Helper' } });
    await web.send(to, { text: 'failed', author: { kind: 'host', hostKind: 'notice' } });
    await web.send(to, { text: 'commands…', author: { kind: 'host', hostKind: 'help' } });
    const seen: StreamEvent[] = [];
    web.open('main', null, (e) => seen.push(e));
    expect(
      seen.map((e) => (e.kind === 'message' ? [e.stored.message.author.name, e.stored.message.level] : e)),
    ).toEqual([
      ['Helper', 'info'],
      ['NanoClaw', 'error'],
      ['NanoClaw', 'info'],
      { kind: 'replayed', count: 3 },
    ]);
  });

  it('stores and shows a re-sent outbound row once, under the same message id', async () => {
    const web = adapter();
    const seen: StreamEvent[] = [];
    web.open('main', null, (e) => seen.push(e));
    const payload = { text: 'once', sourceId: 'sess-1/out-1' };
    const a = await web.send(to, payload);
    const b = await web.send(to, payload);
    const c = await web.send(to, { text: 'once', sourceId: 'sess-1/out-2' });
    expect(b.platformMessageId).toBe(a.platformMessageId);
    expect(c.platformMessageId).not.toBe(a.platformMessageId);
    expect(seen.filter((e) => e.kind === 'message')).toHaveLength(2);
  });

  it('tells a client that connects while an agent works, and clears it when the agent replies', async () => {
    const web = adapter();
    await web.setTyping(to, helper);
    const seen: StreamEvent[] = [];
    web.open('main', null, (e) => seen.push(e));
    await web.send(to, { text: 'done', author: { kind: 'agent', agentGroupId: 'helper', name: 'Helper' } });
    await web.clearTyping(to, helper);
    expect(
      seen.map((e) =>
        e.kind === 'typing' ? e.typing.active : e.kind === 'message' ? e.stored.message.text : e.kind,
      ),
    ).toEqual(['replayed', true, 'done', false]);
    const later: StreamEvent[] = [];
    web.open('main', null, (e) => later.push(e));
    expect(later.filter((e) => e.kind === 'typing')).toEqual([]);
  });
});

describe('IdempotencyKeys', () => {
  it('runs one accept per user and key, also when the retry comes while the first still runs', async () => {
    const keys = new IdempotencyKeys(openCentralDb(':memory:'));
    let runs = 0;
    const accept = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return { id: `m${runs}`, delivered: 1, dropped: null };
    };
    const [a, b] = await Promise.all([
      keys.once('web:ann', 'k-00000001', accept),
      keys.once('web:ann', 'k-00000001', accept),
    ]);
    const c = await keys.once('web:ann', 'k-00000001', accept);
    const other = await keys.once('web:bob', 'k-00000001', accept);
    expect([a, b, c].map((x) => x.id)).toEqual(['m1', 'm1', 'm1']);
    expect(other.id).toBe('m2');
    expect(IdempotencyKeys.messageId('web:ann', 'k')).not.toBe(IdempotencyKeys.messageId('web:bob', 'k'));
  });

  it('keeps nothing when the first attempt failed, so the retry really runs', async () => {
    const keys = new IdempotencyKeys(openCentralDb(':memory:'));
    await expect(
      keys.once('web:ann', 'k-00000002', () => Promise.reject(new Error('db locked'))),
    ).rejects.toThrow();
    const ok = await keys.once('web:ann', 'k-00000002', () =>
      Promise.resolve({ id: 'x', delivered: 1, dropped: null }),
    );
    expect(ok.id).toBe('x');
  });

  it('skips a prune that finds the central DB locked by another process, logging it, instead of throwing', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nc-web-prune-')), 'nanoclaw.db');
    const db = openCentralDb(file);
    limitBusyWait(db);
    const other = new Database(file);
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const web = adapter(db, log);
    // Expired rows, so the prune has something to delete and needs the write lock.
    db.raw.exec(`INSERT INTO web_idempotency_keys (user_id, key, answer, created_at)
                 VALUES ('web:local', 'old-key-0001', '{}', '2000-01-01T00:00:00.000Z')`);
    other.exec('BEGIN EXCLUSIVE');
    try {
      await expect(web.start({} as never)).resolves.toBeUndefined();
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await web.stop();
      db.close();
    }
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'web chat history prune skipped; the next tick retries',
    ]);
  });
});
