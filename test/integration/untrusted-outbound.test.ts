/**
 * A hostile outbound.db never hangs the host: the host's reads are synchronous, so a hang could only be seen from
 * outside. Each case reads the file in a child process (the compiled dist/ code, as the host runs it) under a
 * deadline; a hang shows as a killed child instead of a stuck test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openOutboundForRunner } from '../../protocol/session-db.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const READER = path.join(REPO, 'dist', 'host', 'session', 'host-outbound.js');
const DEADLINE_MS = 15_000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function hostileFile(sql: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-untrusted-'));
  dirs.push(dir);
  const file = path.join(dir, 'outbound.db');
  openOutboundForRunner(file).close();
  const raw = new Database(file);
  raw.exec(sql);
  raw.close();
  return dir;
}

/** What the host's drain and sweep read, in a child process under the deadline. */
function readAsHost(dir: string): { status: number | null; signal: string | null; out: string } {
  const script = `
    const { HostOutbound } = await import(${JSON.stringify(READER)});
    const h = HostOutbound.open(${JSON.stringify(dir)}, 'outbound.db');
    const results = [];
    for (const read of [() => h.messagesAfter(0, 200), () => h.maxSeq(), () => h.processingClaims(1000)]) {
      try { read(); results.push('read'); } catch (err) { results.push(err.name + ': ' + err.message); }
    }
    console.log(JSON.stringify(results));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: DEADLINE_MS,
  });
  return { status: res.status, signal: res.signal, out: res.stdout + res.stderr };
}

describe('the host reading a hostile outbound.db', () => {
  it('refuses a recursive view in place of messages_out within the deadline instead of hanging', () => {
    const dir = hostileFile(`
      DROP TABLE messages_out;
      CREATE VIEW messages_out AS
        WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c)
        SELECT 'x' AS id, n * 2 + 1 AS seq, NULL AS in_reply_to, 't' AS timestamp, NULL AS deliver_after,
               'chat' AS kind, NULL AS channel_type, NULL AS platform_id, NULL AS thread_id, '{}' AS content
        FROM c ORDER BY n DESC`);
    const res = readAsHost(dir);
    expect(res.signal).toBeNull();
    expect(res.status).toBe(0);
    expect(JSON.parse(res.out) as string[]).toEqual([
      'UntrustedOutboundError: outbound.db refused: unexpected view messages_out',
      'UntrustedOutboundError: outbound.db refused: unexpected view messages_out',
      'UntrustedOutboundError: outbound.db refused: unexpected view messages_out',
    ]);
  });

  it('refuses a recursive view behind processing_ack too', () => {
    const dir = hostileFile(`
      DROP TABLE processing_ack;
      CREATE VIEW processing_ack AS
        WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c)
        SELECT 'm' || n AS message_id, 'processing' AS status, 't' AS status_changed FROM c`);
    const res = readAsHost(dir);
    expect(res.signal).toBeNull();
    expect((JSON.parse(res.out) as string[]).every((r) => r.includes('unexpected view processing_ack'))).toBe(
      true,
    );
  });
});
