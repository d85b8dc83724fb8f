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
import { HostOutbound } from '../session/host-outbound.js';
import { insertInbound } from '../session/inbound-writer.js';
import { syncAcks } from './ack-sync.js';

let dir: string;
let inbound: InboundDb;
let runnerSide: OutboundDb;
let hostSide: HostOutbound;
const now = new Date('2030-01-01T10:30:00.000Z');

function ack(id: string, status: 'processing' | 'completed' | 'failed', at = now.toISOString()): void {
  runnerSide.raw
    .prepare(
      `INSERT INTO processing_ack (message_id, status, status_changed) VALUES (?, ?, ?)
       ON CONFLICT(message_id) DO UPDATE SET status = excluded.status, status_changed = excluded.status_changed`,
    )
    .run(id, status, at);
}

function rows() {
  return inbound.all(
    inbound.q
      .selectFrom('messages_in')
      .select(['id', 'status', 'recurrence', 'series_id', 'process_after'])
      .orderBy('seq'),
  );
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-ack-sync-'));
  inbound = openInboundForHost(path.join(dir, 'inbound.db'));
  runnerSide = openOutboundForRunner(path.join(dir, 'outbound.db'));
  hostSide = HostOutbound.open(dir, 'outbound.db')!;
});

afterEach(() => {
  inbound.close();
  runnerSide.close();
  hostSide.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ack sync', () => {
  it('does nothing when no message is pending', () => {
    expect(syncAcks(inbound, hostSide, now, 'UTC')).toEqual({
      completed: 0,
      failed: 0,
      recurred: 0,
      claimed: [],
    });
  });

  it("copies completed and failed acks into messages_in and reports the runner's claims", () => {
    for (const id of ['a', 'b', 'c', 'd']) insertInbound(inbound, null, { id, kind: 'chat', content: {} });
    ack('a', 'completed');
    ack('b', 'failed');
    ack('c', 'processing', '2030-01-01T10:29:00.000Z');
    const r = syncAcks(inbound, hostSide, now, 'UTC');
    expect(r).toEqual({
      completed: 1,
      failed: 1,
      recurred: 0,
      claimed: [{ id: 'c', since: '2030-01-01T10:29:00.000Z' }],
    });
    expect(rows().map((x) => [x.id, x.status])).toEqual([
      ['a', 'completed'],
      ['b', 'failed'],
      ['c', 'pending'],
      ['d', 'pending'],
    ]);
  });

  it('looks only at pending rows, so a finished row is not counted twice', () => {
    insertInbound(inbound, null, { id: 'a', kind: 'chat', content: {} });
    ack('a', 'completed');
    expect(syncAcks(inbound, hostSide, now, 'UTC').completed).toBe(1);
    expect(syncAcks(inbound, hostSide, now, 'UTC').completed).toBe(0);
  });

  it('schedules the next occurrence of a recurring task, completed or failed, in the same series', () => {
    insertInbound(inbound, null, {
      id: 't1',
      kind: 'task',
      content: { prompt: 'p' },
      recurrence: '0 * * * *',
      processAfter: '2030-01-01T10:00:00.000Z',
    });
    insertInbound(inbound, null, {
      id: 't2',
      kind: 'task',
      content: { prompt: 'q' },
      recurrence: '0 12 * * *',
      seriesId: 's2',
      processAfter: '2030-01-01T09:00:00.000Z',
    });
    ack('t1', 'completed');
    ack('t2', 'failed');
    expect(syncAcks(inbound, hostSide, now, 'UTC').recurred).toBe(2);
    const all = rows();
    expect(all.filter((x) => x.id === 't1' || x.id === 't2')).toEqual([
      expect.objectContaining({ id: 't1', status: 'completed', recurrence: null }),
      expect.objectContaining({ id: 't2', status: 'failed', recurrence: null }),
    ]);
    const next = all.filter((x) => x.id !== 't1' && x.id !== 't2');
    expect(next).toEqual([
      expect.objectContaining({
        status: 'pending',
        series_id: 't1',
        recurrence: '0 * * * *',
        process_after: '2030-01-01T11:00:00.000Z',
      }),
      expect.objectContaining({
        status: 'pending',
        series_id: 's2',
        recurrence: '0 12 * * *',
        process_after: '2030-01-01T12:00:00.000Z',
      }),
    ]);
  });

  it("starts the next occurrence with the script but without the finished one's failed script runs", () => {
    insertInbound(inbound, null, {
      id: 't1',
      kind: 'task',
      content: { prompt: 'p', script: 'check.sh', scriptFailures: 2 },
      recurrence: '0 * * * *',
      processAfter: '2030-01-01T10:00:00.000Z',
    });
    ack('t1', 'completed');
    syncAcks(inbound, hostSide, now, 'UTC');
    const next = inbound.raw
      .prepare(`SELECT content FROM messages_in WHERE series_id = 't1' AND id != 't1'`)
      .get() as { content: string };
    expect(JSON.parse(next.content)).toEqual({ prompt: 'p', script: 'check.sh' });
  });

  it('counts the next occurrence from a future due time, not from now', () => {
    insertInbound(inbound, null, {
      id: 't1',
      kind: 'task',
      content: {},
      recurrence: '0 * * * *',
      processAfter: '2030-01-01T15:00:00.000Z',
    });
    ack('t1', 'completed');
    syncAcks(inbound, hostSide, now, 'UTC');
    expect(rows().find((x) => x.id !== 't1')?.process_after).toBe('2030-01-01T16:00:00.000Z');
  });
});
