/**
 * Runner lifecycle on real processes: a hung runner (stopped with SIGSTOP, so its heartbeat goes stale) is
 * replaced and the message still answered; an idle runner is stopped and restarted by the next message; and the
 * `nanoclaw chat` terminal client talks to the agent.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';
import { ChatStream, send, sleep } from '../support/web-client.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function start(env: Record<string, string>): Promise<{ host: HostProcess; chat: ChatStream }> {
  const dataDir = tempDir();
  seedWeb(dataDir);
  const host = await startHostProcess({ dataDir, env });
  cleanup.push(() => host.stop());
  const chat = new ChatStream(host.url);
  cleanup.push(() => chat.close());
  await chat.opened();
  return { host, chat };
}

function runnerPid(dataDir: string): number {
  const root = path.join(dataDir, 'sessions', 'assistant');
  for (const s of fs.readdirSync(root)) {
    const f = path.join(dataDir, 'run', 'runners', `${s}.pid`);
    if (fs.existsSync(f)) return Number(fs.readFileSync(f, 'utf8'));
  }
  throw new Error('no runner pid file');
}

describe('runner lifecycle', () => {
  it('replaces a hung runner whose heartbeat went stale and still answers', async () => {
    const { host, chat } = await start({ NANOCLAW_HEARTBEAT_TIMEOUT_SECONDS: '3' });
    await send(host.url, { text: 'first' });
    await chat.waitFor((r) => r.text === 'Mock response to: first');
    const pid = runnerPid(host.dataDir);
    process.kill(pid, 'SIGSTOP');
    cleanup.push(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await send(host.url, { text: 'are you there?' });
    await host.waitForLog((l) => l.msg === 'restarting runner' && l.reason === 'stale heartbeat', 20_000);
    await chat.waitFor((r) => r.text === 'Mock response to: are you there?', 30_000);
    expect(runnerPid(host.dataDir)).not.toBe(pid);
  });

  it('stops an idle runner and starts a new one for the next message', async () => {
    const { host, chat } = await start({ NANOCLAW_IDLE_TIMEOUT_SECONDS: '1' });
    await send(host.url, { text: 'hello' });
    await chat.waitFor((r) => r.text === 'Mock response to: hello');
    await host.waitForLog((l) => l.msg === 'stopping idle runner', 15_000);
    await sleep(300);
    const before = host.logs.filter((l) => l.msg === 'runner started').length;
    await send(host.url, { text: 'back again' });
    await chat.waitFor((r) => r.text === 'Mock response to: back again');
    expect(host.logs.filter((l) => l.msg === 'runner started').length).toBe(before + 1);
  });
});

describe('nanoclaw chat', () => {
  it('sends typed lines and prints the replies', async () => {
    const { host } = await start({});
    const client = spawn(process.execPath, [CLI, 'chat', '--url', host.url, '--data-dir', host.dataDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanup.push(() => client.kill('SIGKILL'));
    let out = '';
    client.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await sleep(500);
    client.stdin.write('hi from the terminal\n');
    const end = Date.now() + 15_000;
    while (!out.includes('Mock response to: hi from the terminal') && Date.now() < end) await sleep(100);
    expect(out).toContain('Mock response to: hi from the terminal');
    client.stdin.end();
    const code = await new Promise<number | null>((r) => client.once('exit', r));
    expect(code).toBe(0);
  });
});

describe('host start-up', () => {
  it('exits with the reason when its web port is taken, instead of hanging on the ports it already opened', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => busy.close(r)));
    const port = (busy.address() as net.AddressInfo).port;
    const dataDir = tempDir();
    seedWeb(dataDir);
    await expect(
      startHostProcess({ dataDir, env: { NANOCLAW_PORT: String(port) }, timeoutMs: 20_000 }),
    ).rejects.toThrow(/host exited with 1 before it was ready[\s\S]*EADDRINUSE/);
  });
});
