/**
 * `nanoclaw chat` on a real pseudo-terminal (test/support/pty.ts) against a real `nanoclaw start`: what a person
 * sees — the prompt, what they type echoed, the agent working, its reply — and that it finds the host of the data dir by
 * itself, and says which URL it tried and what to do when there is none.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { spawnInPty } from '../support/pty.js';

let host: HostProcess;

function chat(args: string[], dataDir = host.dataDir) {
  return spawnInPty([process.execPath, CLI, 'chat', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), NANOCLAW_DATA_DIR: dataDir },
    cwd: os.tmpdir(),
  });
}

/** A port nothing listens on (a server bound and closed again). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  host = await startHostProcess({ dataDir: tempDir('nc-term-'), verb: 'start' });
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

describe('nanoclaw chat in a terminal', () => {
  it('finds the host of the data dir, shows a prompt, echoes what is typed and prints the reply', async () => {
    const term = chat([]);
    try {
      await term.waitFor(new RegExp(`connected to ${host.url.slice(0, -1)}; type a message`));
      await term.waitFor(/^> $/m);
      term.type('hello from the terminal');
      // Echoed as typed, before Enter: readline writes to the terminal.
      await term.waitFor(/> hello from the terminal$/m);
      term.type('\r');
      // The working line comes from the same typing signal the channels get, before the reply.
      await term.waitFor(/^… Assistant is working$/m, 30_000);
      await term.waitFor(/^Assistant: Mock response to: hello from the terminal$/m, 30_000);
      expect(term.text().indexOf('… Assistant is working')).toBeLessThan(
        term.text().indexOf('Assistant: Mock response to: hello from the terminal'),
      );
      // The prompt is back under the reply.
      await term.waitFor(/Mock response to: hello from the terminal\n> $/);
      term.type('\u0004');
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
  });

  it('names the URL it tried and what to do when nothing listens there', async () => {
    const port = await closedPort();
    const term = chat(['--url', `http://127.0.0.1:${port}/`]);
    try {
      const line = await term.waitFor(/nanoclaw chat: cannot reach .*/);
      expect(line).toContain(`http://127.0.0.1:${port} (ECONNREFUSED)`);
      expect(line).toContain('is "nanoclaw start" running for this data dir');
      expect(await term.exited).toBe(1);
    } finally {
      term.kill();
    }
  });

  it('says no host runs for a data dir without one, and for one whose host died', async () => {
    const empty = tempDir('nc-term-empty-');
    const dead = tempDir('nc-term-dead-');
    fs.writeFileSync(
      path.join(dead, 'host.lock'),
      JSON.stringify({ pid: 2 ** 22 + 1, hostname: os.hostname(), startedAt: 'x', url: host.url }),
    );
    for (const dataDir of [empty, dead]) {
      const term = chat([], dataDir);
      try {
        const line = await term.waitFor(/nanoclaw chat: .*/);
        expect(line).toBe(
          `nanoclaw chat: no host is running for the data dir ${dataDir}: is "nanoclaw start" running for this data dir? Start it, or pass --data-dir DIR (or --url URL) to reach another one`,
        );
        expect(await term.exited).toBe(1);
      } finally {
        term.kill();
      }
    }
  });
});
