import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openInboundForHost,
  openOutboundForRunner,
  type InboundDb,
  type OutboundDb,
} from '../../protocol/session-db.js';
import { InboundReader } from './inbound-reader.js';
import { pruneOutbound } from './outbound-prune.js';

let dir: string;
let inbound: InboundDb;
let outbound: OutboundDb;
let reader: InboundReader;

const message = (id: string, seq: number, status = 'completed') =>
  inbound
    .prepare(
      `INSERT INTO messages_in (id, seq, kind, timestamp, status, content) VALUES (?, ?, 'chat', '2026-01-01T00:00:00.000Z', ?, '{}')`,
    )
    .run(id, seq, status);
const reply = (id: string, seq: number, inReplyTo: string) =>
  outbound
    .prepare(
      `INSERT INTO messages_out (id, seq, in_reply_to, kind, timestamp, content) VALUES (?, ?, ?, 'chat', 't', '{}')`,
    )
    .run(id, seq, inReplyTo);
const ack = (id: string, status: string) =>
  outbound.prepare(`INSERT INTO processing_ack VALUES (?, ?, 't')`).run(id, status);
const delivered = (id: string) =>
  inbound
    .prepare(`INSERT INTO delivered (message_out_id, status, delivered_at) VALUES (?, 'delivered', 't')`)
    .run(id);
const outIds = (sql: string) => (outbound.prepare(sql).pluck().all() as string[]).sort();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-prune-'));
  inbound = openInboundForHost(path.join(dir, 'inbound.db'));
  outbound = openOutboundForRunner(path.join(dir, 'outbound.db'));
  reader = (await InboundReader.open(path.join(dir, 'inbound.db'), path.join(dir, 'outbound.db'), {
    pollMs: 10,
    timeoutMs: 1000,
  }))!;
});
afterEach(() => {
  outbound.close();
  inbound.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the runner pruning its outbound.db', () => {
  it('deletes recorded replies older than the oldest message the host keeps, never an unrecorded or the newest one', () => {
    // m1 and m2 were pruned by the host; m3 is the oldest it keeps.
    message('m3', 10);
    reply('r1', 3, 'm1');
    reply('r2', 7, 'm2');
    reply('r3', 11, 'm3');
    delivered('r1');
    delivered('r3');
    expect(pruneOutbound(outbound, reader)).toEqual({ replies: 1, acks: 0 });
    // r2 was never recorded by the host (it may still be sent); r3 is newer than m3.
    expect(outIds('SELECT id FROM messages_out')).toEqual(['r2', 'r3']);
  });

  it('deletes finished acks of messages the host pruned and keeps claims and acks of kept messages', () => {
    message('m3', 10);
    ack('m1', 'completed');
    ack('m2', 'processing');
    ack('m3', 'completed');
    expect(pruneOutbound(outbound, reader).acks).toBe(1);
    expect(outIds('SELECT message_id FROM processing_ack')).toEqual(['m2', 'm3']);
  });

  it('leaves everything while the host keeps all messages', () => {
    message('m1', 2);
    reply('r1', 3, 'm1');
    delivered('r1');
    message('m2', 4);
    expect(pruneOutbound(outbound, reader)).toEqual({ replies: 0, acks: 0 });
  });
});
