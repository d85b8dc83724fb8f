import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundAttachment } from '../channels/adapter.js';
import { InboundFiles, safeFileName } from './inbound-files.js';

let dir: string;
let session: string;
const log = pino({ level: 'silent' });

function file(name: string | null, body: string, size: number | null = body.length) {
  const calls = { n: 0 };
  const a: InboundAttachment = {
    name,
    mimeType: 'text/plain',
    size,
    download: (max) => {
      calls.n++;
      if (body.length > max) return Promise.reject(new Error('over the cap'));
      return Promise.resolve(Buffer.from(body));
    },
  };
  return { a, calls };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-files-'));
  session = path.join(dir, 'sessions', 'ag', 's1');
  fs.mkdirSync(path.join(session, 'inbox'), { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('safeFileName', () => {
  it('removes separators, control characters and leading dots', () => {
    expect(safeFileName('../../etc/passwd', 0)).toBe('_.._etc_passwd');
    expect(safeFileName('.bashrc', 0)).toBe('bashrc');
    expect(safeFileName('a\u0000b\u202e.txt', 0)).toBe('a_b_.txt');
    expect(safeFileName(null, 2)).toBe('file-3');
    expect(safeFileName('...', 0)).toBe('file-1');
  });

  it('shortens long names and keeps the extension', () => {
    const name = safeFileName(`${'n'.repeat(300)}.pdf`, 0);
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('InboundFiles', () => {
  it('saves each file once into the inbox with unique names, even for several sessions', async () => {
    const files = new InboundFiles(dir, 1024, log);
    const one = file('notes.txt', 'first');
    const two = file('notes.txt', 'second');
    const msg = { messageId: 'tg/77', attachments: [one.a, two.a] };
    const saved = await files.save(msg, session);
    const other = path.join(dir, 'sessions', 'ag', 's2');
    await files.save(msg, other);
    expect(saved.files).toEqual([
      { path: 'inbox/tg_77/notes.txt', name: 'notes.txt', mimeType: 'text/plain', size: 5 },
      { path: 'inbox/tg_77/notes-2.txt', name: 'notes-2.txt', mimeType: 'text/plain', size: 6 },
    ]);
    expect(fs.readFileSync(path.join(other, 'inbox/tg_77/notes-2.txt'), 'utf8')).toBe('second');
    expect(one.calls.n + two.calls.n).toBe(2);
  });

  it('leaves out a file over the cap or failing to download, and says so', async () => {
    const files = new InboundFiles(dir, 8, log);
    const big = file('big.bin', 'x'.repeat(100));
    const liar = file('liar.bin', 'x'.repeat(100), 3);
    const saved = await files.save({ messageId: 'm', attachments: [big.a, liar.a] }, session);
    expect(saved.files).toEqual([]);
    expect(saved.notes).toEqual([
      '[file big.bin not saved: larger than 8 bytes]',
      '[file liar.bin not saved: download failed]',
    ]);
    expect(big.calls.n).toBe(0);
  });

  it('refuses to write through a symlink a runner planted in the inbox', async () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(session, 'inbox', 'm'));
    const files = new InboundFiles(dir, 1024, log);
    await expect(
      files.save({ messageId: 'm', attachments: [file('x.txt', 'data').a] }, session),
    ).rejects.toThrow(/not a directory/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});
