import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { MapChannelRegistry, type ChatAddress, type OutboundPayload } from '../channels/adapter.js';
import { IdempotencyKeys } from '../channels/web/idempotency-keys.js';
import { WebAdapter } from '../channels/web/web-adapter.js';
import { WebEventStore } from '../channels/web/web-events.js';
import { limitBusyWait, openCentralDb, type CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import { HostOutbox } from './host-outbox.js';

let dir: string;
let db: CentralDb;
let web: RecordingAdapter;
let delivered: string[];
const outboxes: HostOutbox[] = [];
const log = pino({ level: 'silent' });
const main = { channelType: 'web', platformId: 'main', threadId: null };
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

function outbox(): HostOutbox {
  const o = new HostOutbox({
    db,
    channels: new MapChannelRegistry([web]),
    log,
    retryDelaysMs: [20, 20],
    onDelivered: (channel) => delivered.push(channel),
  });
  outboxes.push(o);
  return o;
}

function rows() {
  return db.all(
    db.q.selectFrom('host_messages').select(['kind', 'status', 'attempts', 'error', 'platform_message_id']),
  );
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-host-outbox-'));
  db = openCentralDb(path.join(dir, 'nanoclaw.db'));
  upsertMessagingGroup(db, { channelType: 'web', platformId: 'main', name: 'Main' });
  web = new RecordingAdapter('web');
  delivered = [];
});

afterEach(() => {
  for (const o of outboxes.splice(0)) o.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('host outbox', () => {
  it('sends a host message at once, as the host with its kind, and audits it as delivered', async () => {
    const row = await outbox().send({ kind: 'help', to: main, text: 'Help text', inReplyTo: 'm1' });
    expect(row.status).toBe('delivered');
    expect(web.sent).toEqual([
      {
        to: main,
        payload: {
          text: 'Help text',
          inReplyTo: 'm1',
          author: { kind: 'host', hostKind: 'help' },
          sourceId: row.id,
        },
      },
    ]);
    expect(rows()).toEqual([
      { kind: 'help', status: 'delivered', attempts: 1, error: null, platform_message_id: 'p1' },
    ]);
    expect(delivered).toEqual(['web']);
  });

  it('retries a failing send within the attempt budget', async () => {
    web.failNext = 2;
    const first = await outbox().send({ kind: 'command_denied', to: main, text: 'Permission denied' });
    expect(first.status).toBe('pending');
    await settle(150);
    expect(web.sent).toHaveLength(1);
    expect(rows()).toEqual([
      {
        kind: 'command_denied',
        status: 'delivered',
        attempts: 3,
        error: 'platform said no',
        platform_message_id: 'p1',
      },
    ]);
  });

  it('ends failed after the last attempt, never delivered', async () => {
    web.failNext = 5;
    await outbox().send({ kind: 'help', to: main, text: 'x' });
    await settle(150);
    expect(web.sent).toEqual([]);
    expect(rows()).toEqual([
      { kind: 'help', status: 'failed', attempts: 3, error: 'platform said no', platform_message_id: null },
    ]);
    expect(delivered).toEqual([]);
  });

  it('refuses a chat the host does not know', async () => {
    const row = await outbox().send({
      kind: 'help',
      to: { channelType: 'web', platformId: 'nowhere', threadId: null },
      text: 'x',
    });
    expect(row.error).toMatch(/no messaging group for web\/nowhere/);
    await settle(150);
    expect(web.sent).toEqual([]);
    expect(rows()[0]).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('sends what a previous process left pending when resumed', async () => {
    web.failNext = 1;
    const first = outbox();
    await first.send({ kind: 'help', to: main, text: 'left over' });
    first.close(); // the process "dies" before its retry
    await settle(60);
    expect(web.sent).toEqual([]);
    await outbox().resume();
    expect(web.sent.map((s) => s.payload.text)).toEqual(['left over']);
    expect(rows()[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('waits out a lock on the central DB without counting it as a try, then delivers once', async () => {
    limitBusyWait(db);
    const store = new WebEventStore(db, { retentionMs: 3600_000, perChat: 100, historyLimit: 50 });
    const realWeb = new WebAdapter({ events: store, keys: new IdempotencyKeys(db), log });
    // Another process takes the lock just as the message is being stored, and holds it for 1.5 s.
    const other = new Database(path.join(dir, 'nanoclaw.db'));
    let locked = false;
    const released = new Promise<void>((resolve) => {
      realWeb.send = ((send) => (to: ChatAddress, payload: OutboundPayload) => {
        if (!locked) {
          locked = true;
          other.exec('BEGIN EXCLUSIVE');
          setTimeout(() => {
            other.exec('ROLLBACK');
            resolve();
          }, 1500);
        }
        return send(to, payload);
      })(realWeb.send.bind(realWeb));
    });
    const o = new HostOutbox({
      db,
      channels: new MapChannelRegistry([realWeb]),
      log,
      retryDelaysMs: [20, 20],
      onDelivered: (channel) => delivered.push(channel),
    });
    outboxes.push(o);
    try {
      const first = await o.send({ kind: 'help', to: main, text: 'after the lock' });
      expect(first).toMatchObject({ status: 'pending', attempts: 0 });
      await released;
      await expect.poll(() => rows()[0]?.status, { timeout: 5000 }).toBe('delivered');
    } finally {
      other.close();
    }
    expect(rows()).toEqual([
      {
        kind: 'help',
        status: 'delivered',
        attempts: 1,
        error: null,
        platform_message_id: expect.any(String),
      },
    ]);
    expect(store.after('main', 0).map((m) => m.message.text)).toEqual(['after the lock']);
    expect(delivered).toEqual(['web']);
  });
});
