import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INBOUND_TABLES,
  OUTBOUND_TABLES,
  nextEvenSeq,
  nextOddSeq,
  openInboundForHost,
  openInboundForRunner,
  openOutboundForHost,
  openOutboundForRunner,
  journalFile,
} from './session-db.js';
import { INBOUND_KINDS, INBOUND_STATUSES, ACK_STATUSES, OUTBOUND_KINDS } from './messages.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-session-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('seq parity', () => {
  it('gives the host even numbers above any seen seq', () => {
    expect([null, 0, 1, 2, 3, 7, 10].map(nextEvenSeq)).toEqual([2, 2, 2, 4, 4, 8, 12]);
  });
  it('gives the runner odd numbers above any seen seq', () => {
    expect([null, 0, 1, 2, 3, 8].map(nextOddSeq)).toEqual([1, 1, 3, 3, 5, 9]);
  });
  it('is enforced by the DB on both sides', () => {
    const dir = tmp();
    const inbound = openInboundForHost(path.join(dir, 'inbound.db'));
    const outbound = openOutboundForRunner(path.join(dir, 'outbound.db'));
    expect(() =>
      inbound.raw
        .prepare(
          `INSERT INTO messages_in (id, seq, kind, timestamp, content) VALUES ('a', 3, 'chat', 't', '{}')`,
        )
        .run(),
    ).toThrow(/CHECK/);
    expect(() =>
      outbound.raw
        .prepare(
          `INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES ('a', 4, 'chat', 't', '{}')`,
        )
        .run(),
    ).toThrow(/CHECK/);
  });
});

describe('session DB files', () => {
  it('use a rollback journal, not WAL, so they work across a pod mount', () => {
    const dir = tmp();
    const inbound = openInboundForHost(path.join(dir, 'inbound.db'));
    const outbound = openOutboundForRunner(path.join(dir, 'outbound.db'));
    expect(inbound.raw.pragma('journal_mode', { simple: true })).toBe('persist');
    expect(outbound.raw.pragma('journal_mode', { simple: true })).toBe('delete');
  });

  it("keep inbound.db's journal as one file from the first open on, so it can be mounted read-only", () => {
    const file = path.join(tmp(), 'inbound.db');
    openInboundForHost(file).close();
    fs.rmSync(journalFile(file)); // as a session created before PERSIST left it
    const inbound = openInboundForHost(file);
    const journal = fs.statSync(journalFile(file));
    inbound.raw
      .prepare(
        `INSERT INTO messages_in (id, seq, kind, timestamp, content) VALUES ('a', 2, 'chat', 't', '{}')`,
      )
      .run();
    expect(fs.statSync(journalFile(file)).ino).toBe(journal.ino);
    expect(fs.readFileSync(journalFile(file)).subarray(0, 8)).toEqual(Buffer.alloc(8));
    inbound.close();
  });

  it('open read-only for the side that does not own them', () => {
    const dir = tmp();
    openInboundForHost(path.join(dir, 'inbound.db')).close();
    const ro = openInboundForRunner(path.join(dir, 'inbound.db'));
    expect(() =>
      ro.raw
        .prepare(
          `INSERT INTO messages_in (id, seq, kind, timestamp, content) VALUES ('a', 2, 'chat', 't', '{}')`,
        )
        .run(),
    ).toThrow(/readonly/);
    expect(openOutboundForHost(path.join(dir, 'outbound.db'))).toBeNull();
    openOutboundForRunner(path.join(dir, 'outbound.db')).close();
    expect(openOutboundForHost(path.join(dir, 'outbound.db'))).not.toBeNull();
  });

  it.each([
    ['inbound', INBOUND_TABLES, openInboundForHost],
    ['outbound', OUTBOUND_TABLES, openOutboundForRunner],
  ] as const)('%s.db has exactly the columns its zod rows declare', (name, tables, open) => {
    const db = open(path.join(tmp(), `${name}.db`));
    for (const [table, row] of Object.entries(tables) as [string, { shape: object }][]) {
      const cols = db.raw
        .prepare('SELECT name FROM pragma_table_info(?)')
        .all(table)
        .map((r) => (r as { name: string }).name);
      expect(cols.sort(), table).toEqual(Object.keys(row.shape).sort());
    }
  });

  it.each([
    ['inbound', openInboundForHost, 'messages_in', 'kind', INBOUND_KINDS],
    ['inbound', openInboundForHost, 'messages_in', 'status', INBOUND_STATUSES],
    ['outbound', openOutboundForRunner, 'messages_out', 'kind', OUTBOUND_KINDS],
    ['outbound', openOutboundForRunner, 'processing_ack', 'status', ACK_STATUSES],
  ] as const)('%s %s.%s allows exactly the declared enum', (name, open, table, column, values) => {
    const db = open(path.join(tmp(), `${name}.db`));
    const ddl = (db.raw.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as { sql: string })
      .sql;
    const m = new RegExp(`${column}\\s+IN\\s*\\(([^)]*)\\)`).exec(ddl);
    expect(m![1]!.split(',').map((v) => v.trim().replace(/^'|'$/g, ''))).toEqual([...values]);
  });
});
