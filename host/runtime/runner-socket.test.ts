import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenRunnerSocket, runnerSocketPath } from './runner-socket.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-sock-'));
  dirs.push(dir);
  return dir;
}

describe('the runner socket', () => {
  it("serves the runner port's requests, replacing a socket a dead host left behind", async () => {
    const data = dataDir();
    fs.mkdirSync(path.join(data, 'run'));
    // A host that died leaves the socket file behind, with nobody listening.
    const file = JSON.stringify(runnerSocketPath(data));
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${file}, () => process.exit(0))`,
    ]);
    expect(fs.lstatSync(runnerSocketPath(data)).isSocket()).toBe(true);

    const server = http.createServer((req, res) => res.end(`runner port: ${req.url}`));
    const sock = await listenRunnerSocket(server, data);
    try {
      expect(fs.statSync(runnerSocketPath(data)).mode & 0o777).toBe(0o600);
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ socketPath: runnerSocketPath(data), path: '/runner/v1/x' }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('runner port: /runner/v1/x');
    } finally {
      await sock.close();
      expect(fs.existsSync(runnerSocketPath(data))).toBe(false);
    }
  });

  it('refuses to replace a file that is not a socket, and a path longer than a socket address allows', async () => {
    const data = dataDir();
    fs.mkdirSync(path.join(data, 'run'));
    fs.writeFileSync(runnerSocketPath(data), 'not a socket');
    await expect(listenRunnerSocket(http.createServer(), data)).rejects.toThrow(/exists and is not a socket/);
    const deep = path.join(dataDir(), 'x'.repeat(100));
    await expect(listenRunnerSocket(http.createServer(), deep)).rejects.toThrow(
      /longer than the 107 bytes.*shorter NANOCLAW_DATA_DIR/,
    );
  });
});
