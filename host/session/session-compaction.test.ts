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
import { HostOutbound } from './host-outbound.js';
import { compactInbound, vacuumInbound } from './session-compaction.js';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00.000Z');
const KEEP = { messages: 3, minAgeMs: 7 * DAY };

let dir: string;
let inbound: InboundDb;
let runner: OutboundDb;
let host: HostOutbound | null;

const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

function message(
  id: string,
  seq: number,
  opts: { days?: number; status?: string; kind?: string } = {},
): void {
  inbound
    .prepare(
      `INSERT INTO messages_in (id, seq, kind, timestamp, status, content) VALUES (?, ?, ?, ?, ?, '{}')`,
    )
    .run(id, seq, opts.kind ?? 'chat', ago(opts.days ?? 30), opts.status ?? 'completed');
}
function reply(id: string, seq: number, inReplyTo: string | null): void {
  runner
    .prepare(
      `INSERT INTO messages_out (id, seq, in_reply_to, kind, timestamp, content) VALUES (?, ?, ?, 'chat', 't', '{}')`,
    )
    .run(id, seq, inReplyTo);
}
function delivered(id: string): void {
  inbound
    .prepare(`INSERT INTO delivered (message_out_id, status, delivered_at) VALUES (?, 'delivered', 't')`)
    .run(id);
}
const ids = (table: string, column = 'id') =>
  (inbound.prepare(`SELECT ${column} AS id FROM ${table} ORDER BY 1`).all() as { id: string }[]).map(
    (r) => r.id,
  );
const outbound = () => (host ??= HostOutbound.open(dir, 'outbound.db'));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-compaction-'));
  inbound = openInboundForHost(path.join(dir, 'inbound.db'));
  runner = openOutboundForRunner(path.join(dir, 'outbound.db'));
  host = null;
});
afterEach(() => {
  host?.close();
  runner.close();
  inbound.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('compacting a session inbound.db', () => {
  it('prunes finished chat messages beyond the newest it keeps, and only those old enough', () => {
    for (let i = 1; i <= 6; i++) message(`m${i}`, i * 2, { days: i <= 4 ? 30 : 1 });
    const done = compactInbound(inbound, outbound(), KEEP, NOW);
    // m4, m5, m6 are the three newest; m1–m3 are old and finished.
    expect(done).toEqual({ prunedMessages: 3, prunedDelivered: 0 });
    expect(ids('messages_in')).toEqual(['m4', 'm5', 'm6']);
  });

  it('keeps messages younger than the minimum age however many there are', () => {
    for (let i = 1; i <= 6; i++) message(`m${i}`, i * 2, { days: 1 });
    expect(compactInbound(inbound, outbound(), KEEP, NOW).prunedMessages).toBe(0);
  });

  it('never prunes pending, paused or task rows, nor the newest chat message', () => {
    message('pending', 2, { status: 'pending' });
    message('paused', 4, { status: 'paused' });
    message('task', 6, { kind: 'task' });
    for (let i = 4; i <= 7; i++) message(`m${i}`, i * 2);
    message('newest-task', 16, { kind: 'task', status: 'completed' });
    compactInbound(inbound, outbound(), { messages: 1, minAgeMs: 0 }, NOW);
    // m7 is the newest chat row; everything older that is a finished chat message goes.
    expect(ids('messages_in')).toEqual(['m7', 'newest-task', 'paused', 'pending', 'task']);
  });

  it('keeps a message an undelivered reply answers', () => {
    for (let i = 1; i <= 5; i++) message(`m${i}`, i * 4);
    reply('r1', 5, 'm1');
    reply('r2', 9, 'm2');
    delivered('r2');
    compactInbound(inbound, outbound(), { messages: 1, minAgeMs: 0 }, NOW);
    expect(ids('messages_in')).toEqual(['m1', 'm5']);
  });

  it('prunes a delivered row only once the runner no longer has the reply, and none without outbound.db', () => {
    message('m1', 2);
    reply('r1', 3, 'm1');
    delivered('r1');
    delivered('r0');
    expect(compactInbound(inbound, null, KEEP, NOW).prunedDelivered).toBe(0);
    expect(compactInbound(inbound, outbound(), KEEP, NOW).prunedDelivered).toBe(1);
    expect(ids('delivered', 'message_out_id')).toEqual(['r1']);
  });

  it('prunes nothing when told to keep everything', () => {
    for (let i = 1; i <= 6; i++) message(`m${i}`, i * 2);
    expect(compactInbound(inbound, outbound(), { messages: 0, minAgeMs: 0 }, NOW).prunedMessages).toBe(0);
  });

  it('gives the freed pages of a closed session back to the disk', () => {
    const big = 'x'.repeat(4000);
    inbound.tx(() => {
      for (let i = 1; i <= 200; i++)
        inbound
          .prepare(
            `INSERT INTO messages_in (id, seq, kind, timestamp, status, content) VALUES (?, ?, 'chat', ?, 'completed', ?)`,
          )
          .run(`m${i}`, i * 2, ago(30), JSON.stringify({ text: big }));
    });
    const file = path.join(dir, 'inbound.db');
    const full = fs.statSync(file).size;
    compactInbound(inbound, outbound(), { messages: 10, minAgeMs: 0 }, NOW);
    expect(fs.statSync(file).size).toBe(full);
    vacuumInbound(inbound);
    expect(fs.statSync(file).size).toBeLessThan(full / 5);
    expect(ids('messages_in')).toHaveLength(10);
  });
});
