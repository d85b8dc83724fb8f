import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOutboundForRunner, type OutboundDb } from '../../protocol/session-db.js';
import { HostOutbound, UntrustedOutboundError } from './host-outbound.js';

let dir: string;
let file: string;
let runner: OutboundDb;
let host: HostOutbound | null;

function insert(id: string, seq: number, content: string, extra: { channel?: string } = {}): void {
  runner.raw
    .prepare(
      `INSERT INTO messages_out (id, seq, kind, timestamp, channel_type, content) VALUES (?, ?, 'chat', 't', ?, ?)`,
    )
    .run(id, seq, extra.channel ?? null, content);
}

function open(): HostOutbound {
  host = HostOutbound.open(dir, 'outbound.db');
  return host!;
}

/** What a runner can do to its own file: anything, including bypassing CHECK constraints. */
function tamper(sql: string): void {
  const raw = new Database(file);
  raw.pragma('ignore_check_constraints = ON');
  raw.exec(sql);
  raw.close();
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-host-outbound-'));
  file = path.join(dir, 'outbound.db');
  runner = openOutboundForRunner(file);
  host = null;
});
afterEach(() => {
  host?.close();
  runner.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('HostOutbound on a well-formed file', () => {
  it('reads rows after a seq, the highest seq, acks and claims', () => {
    insert('a', 1, '{"text":"one"}');
    insert('b', 3, '{"text":"two"}');
    runner.raw
      .prepare(
        `INSERT INTO processing_ack VALUES ('m1', 'processing', '2030-01-01T00:00:00.000Z'), ('m2', 'completed', 'x')`,
      )
      .run();
    const h = open();
    expect(h.messagesAfter(1, 10)).toMatchObject([{ row: { id: 'b', seq: 3, content: '{"text":"two"}' } }]);
    expect(h.maxSeq()).toBe(3);
    expect(h.acks(['m1', 'm2', 'm3']).map((a) => a.status)).toEqual(['processing', 'completed']);
    expect(h.processingClaims(10)).toEqual([{ id: 'm1', since: '2030-01-01T00:00:00.000Z' }]);
  });

  it('is null until the runner has created the file', () => {
    fs.rmSync(file);
    expect(HostOutbound.open(dir, 'outbound.db')).toBeNull();
  });
});

describe('HostOutbound refuses a hostile file and reads nothing of it', () => {
  const refusals: [string, string, RegExp][] = [
    [
      'a recursive view in place of messages_out',
      `DROP TABLE messages_out;
       CREATE VIEW messages_out AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c)
       SELECT 'x' AS id, n AS seq, NULL AS in_reply_to, 't' AS timestamp, NULL AS deliver_after, 'chat' AS kind,
              NULL AS channel_type, NULL AS platform_id, NULL AS thread_id, '{}' AS content FROM c`,
      /unexpected view messages_out/,
    ],
    [
      'a trigger',
      `CREATE TRIGGER t AFTER INSERT ON messages_out BEGIN SELECT 1; END`,
      /unexpected trigger t/,
    ],
    ['an extra table', `CREATE TABLE extra (x)`, /unexpected table extra/],
    [
      'an expression index calling a function',
      `CREATE INDEX ix ON messages_out (length(content))`,
      /unexpected index ix/,
    ],
    ['a missing column', `ALTER TABLE messages_out DROP COLUMN thread_id`, /table messages_out differs/],
    ['a missing table', `DROP TABLE session_state`, /missing .*session_state/],
  ];

  it.each(refusals)('%s', (_name, sql, reason) => {
    insert('a', 1, '{"text":"one"}');
    tamper(sql);
    const h = open();
    expect(() => h.messagesAfter(0, 10)).toThrow(reason);
    expect(() => h.maxSeq()).toThrow(UntrustedOutboundError);
    expect(() => h.acks(['a'])).toThrow(UntrustedOutboundError);
    expect(() => h.processingClaims(10)).toThrow(UntrustedOutboundError);
  });

  it('a schema changed after the host checked it once', () => {
    insert('a', 1, '{"text":"one"}');
    const h = open();
    expect(h.messagesAfter(0, 10)).toHaveLength(1);
    tamper(`CREATE VIEW v AS SELECT 1`);
    expect(() => h.messagesAfter(0, 10)).toThrow(/unexpected view v/);
  });

  it('garbage bytes as outbound.db', () => {
    runner.close();
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const h = open();
    expect(() => h.messagesAfter(0, 10)).toThrow(/outbound.db is damaged/);
    expect(() => h.maxSeq()).toThrow(UntrustedOutboundError);
  });

  it('a symlink as outbound.db (it is not opened at all)', () => {
    runner.close();
    fs.rmSync(file);
    const central = path.join(dir, 'nanoclaw.db');
    fs.writeFileSync(central, 'central');
    fs.symlinkSync(central, file);
    const h = open();
    expect(() => h.messagesAfter(0, 10)).toThrow(/refused: .* is not a regular file/);
  });
});

describe('HostOutbound rejects single rows and keeps the rest', () => {
  it('a giant row, a malformed row and non-JSON content fail; the rows around them are read', () => {
    insert('a', 1, '{"text":"before"}');
    insert('giant', 3, JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }));
    insert('long-field', 5, '{}', { channel: 'c'.repeat(5000) });
    insert('b', 9, '{"text":"after"}');
    tamper(`INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES ('not-json', 7, 'chat', 't', '{"text":');
            INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES ('bad-kind', 11, 'evil', 't', '{}');
            INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES ('blob-seq', x'01', 'chat', 't', '{}')`);
    const reads = open().messagesAfter(0, 100);
    expect(reads.map((r) => ('row' in r ? r.row.id : `rejected ${r.rejected.id}`))).toEqual([
      'a',
      'rejected giant',
      'rejected long-field',
      'rejected not-json',
      'b',
      'rejected bad-kind',
    ]);
    const errors = reads.flatMap((r) => ('rejected' in r ? [r.rejected.error] : []));
    expect(errors[0]).toMatch(/content of \d+ bytes exceeds the limit/);
    expect(errors[1]).toMatch(/a field of 5000 bytes exceeds the limit/);
    expect(errors[2]).toBe('content is not JSON');
    expect(errors[3]).toMatch(/malformed row/);
  });

  it('ignores seqs beyond the exact integer range and acks of the wrong shape', () => {
    insert('a', 1, '{}');
    tamper(
      `INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES ('huge', 1152921504606846977, 'chat', 't', '{}')`,
    );
    runner.raw.prepare(`INSERT INTO processing_ack VALUES ('m1', 'processing', ?)`).run('t'.repeat(5000));
    tamper(`INSERT INTO processing_ack VALUES ('m2', 'weird', 't')`);
    const h = open();
    expect(h.maxSeq()).toBe(1);
    expect(h.messagesAfter(0, 10)).toHaveLength(1);
    expect(h.acks(['m1', 'm2'])).toEqual([]);
    expect(h.processingClaims(10)).toEqual([]);
  });
});
