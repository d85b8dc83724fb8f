import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError, withHostBridge } from './host-socket-bridge.js';

const dirs: string[] = [];
const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bridge-'));
  dirs.push(dir);
  return path.join(dir, 'runner.sock');
}

describe('the runner side of the host socket', () => {
  it('gives the runner a loopback URL whose requests reach the host socket', async () => {
    const file = socketPath();
    const host = http.createServer((req, res) => res.end(`host saw ${req.method} ${req.url}`));
    servers.push(host);
    await new Promise<void>((resolve) => host.listen(file, resolve));
    const env = await withHostBridge({ NANOCLAW_HOST_SOCKET: file, NANOCLAW_SESSION_ID: 's1' });
    expect(env.NANOCLAW_HOST_SOCKET).toBeUndefined();
    expect(env.NANOCLAW_SESSION_ID).toBe('s1');
    expect(env.NANOCLAW_HOST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${env.NANOCLAW_HOST_URL}/proxy/anthropic/v1/messages`, { method: 'POST' });
    expect(await res.text()).toBe('host saw POST /proxy/anthropic/v1/messages');
  });

  it('fails the start naming the socket when nothing listens there', async () => {
    const file = socketPath();
    const err = await withHostBridge({ NANOCLAW_HOST_SOCKET: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as Error).message).toContain(`NANOCLAW_HOST_SOCKET=${file}: cannot connect`);
  });

  it('leaves the environment alone without a socket', async () => {
    const env = { NANOCLAW_HOST_URL: 'http://10.0.0.1:1' };
    expect(await withHostBridge(env)).toBe(env);
  });
});
