import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackAttachment } from './files.js';

let server: http.Server;
let base: string;
const seen: { url: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.url === '/files/big') {
      res.writeHead(200); // no content-length: the size shows only while reading
      res.end(Buffer.alloc(64 * 1024, 1));
      return;
    }
    res.writeHead(200, { 'content-length': '5' }).end('hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const file = (url: string, size: number | null = null) => ({
  id: 'F1',
  name: 'a.txt',
  mimetype: 'text/plain',
  size,
  url_private: url,
});

describe('slackAttachment', () => {
  it('downloads with the bot token from the API origin', async () => {
    const att = slackAttachment(file(`${base}/files/a`), 'xoxb-secret', `${base}/api/`);
    expect((await att.download(100)).toString()).toBe('hello');
    expect(seen.at(-1)).toEqual({ url: '/files/a', auth: 'Bearer xoxb-secret' });
  });

  it('never sends the token to a host that is not Slack', async () => {
    const before = seen.length;
    const att = slackAttachment(file(`${base}/files/a`), 'xoxb-secret', 'https://slack.com/api/');
    await expect(att.download(100)).rejects.toThrow(/not on a Slack file host/);
    expect(seen.length).toBe(before);
  });

  it('refuses an announced oversize file without fetching it, and stops reading past the limit', async () => {
    const before = seen.length;
    await expect(
      slackAttachment(file(`${base}/files/a`, 500), 't', `${base}/api/`).download(100),
    ).rejects.toThrow(/500 bytes, over the 100-byte limit/);
    expect(seen.length).toBe(before);
    await expect(
      slackAttachment(file(`${base}/files/big`), 't', `${base}/api/`).download(1024),
    ).rejects.toThrow(/over the 1024-byte limit/);
  });
});
