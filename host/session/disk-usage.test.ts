import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionsDiskUsage } from './disk-usage.js';

let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sessions disk usage', () => {
  it('sums the files of each session directory, largest first, without following symlinks', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-disk-'));
    const write = (rel: string, bytes: number) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), Buffer.alloc(bytes));
    };
    write('alpha/s1/inbound.db', 1000);
    write('alpha/s1/inbox/m1/photo.jpg', 500);
    write('alpha/s2/inbound.db', 100);
    write('beta/s3/outbound.db', 4000);
    write('outside/big', 1_000_000);
    fs.symlinkSync(path.join(dir, 'outside'), path.join(dir, 'alpha/s2/link'));
    const usage = sessionsDiskUsage(dir);
    expect(usage.sessions).toEqual([
      { folder: 'beta', sessionId: 's3', bytes: 4000 },
      { folder: 'alpha', sessionId: 's1', bytes: 1500 },
      { folder: 'alpha', sessionId: 's2', bytes: 100 },
    ]);
    expect(usage.totalBytes).toBe(5600);
    expect(usage.partial).toBe(false);
  });

  it('reports nothing for a data dir without sessions', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-disk-'));
    expect(sessionsDiskUsage(path.join(dir, 'sessions'))).toEqual({
      sessions: [],
      totalBytes: 0,
      partial: false,
    });
  });
});
