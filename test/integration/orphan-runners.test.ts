/**
 * Runners that outlive their host (issue 15). Without a sandbox a runner is an ordinary process: a host killed
 * with SIGKILL leaves it running, still able to poll inbound.db and write outbound.db. The next host on the same
 * data dir must be rid of it before it runs that session — also when the dead host never wrote its pid file — and
 * must not touch the runners of another host on the same machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';
import { ChatStream, send, sleep } from '../support/web-client.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function host(dataDir: string): Promise<HostProcess> {
  const h = await startHostProcess({ dataDir, env: { NANOCLAW_SANDBOX: 'none', LOG_LEVEL: 'info' } });
  cleanup.push(async () => {
    if (h.proc.exitCode === null && h.proc.signalCode === null) expect(await h.stop()).toBe(0);
  });
  return h;
}

async function roundTrip(h: HostProcess, text: string): Promise<ChatStream> {
  const chat = new ChatStream(h.url, 'main');
  cleanup.push(() => chat.close());
  await chat.opened();
  await send(h.url, { text });
  await chat.waitFor((r) => r.text === `Mock response to: ${text}`, 30_000);
  return chat;
}

/** The one runner pid file of a data dir: [its path, the pid]. */
function runnerPidFile(dataDir: string): [string, number] {
  const dir = path.join(dataDir, 'run', 'runners');
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.pid'));
  expect(names).toHaveLength(1);
  const file = path.join(dir, names[0]!);
  return [file, Number(fs.readFileSync(file, 'utf8'))];
}

/** Whether a process exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs = 3000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await sleep(50);
  }
  return true;
}

describe('runners left behind by a host killed with SIGKILL', () => {
  for (const pidFile of ['with its pid file', 'without a pid file (the host died before writing it)'])
    it(`are killed by the next host before it serves the session, ${pidFile}`, async () => {
      const dataDir = tempDir('nc-orphans-');
      seedWeb(dataDir);
      const first = await host(dataDir);
      await roundTrip(first, 'before the crash');
      const [file, orphan] = runnerPidFile(dataDir);
      cleanup.push(() => {
        if (alive(orphan)) process.kill(orphan, 'SIGKILL');
      });
      await first.kill();
      // The scenario is real: the runner survived its host.
      await sleep(300);
      expect(alive(orphan)).toBe(true);
      if (pidFile.startsWith('without')) fs.rmSync(file);

      const second = await host(dataDir);
      expect(await gone(orphan)).toBe(true);
      expect(
        second.logs.find((l) => l.msg === 'killed runners left behind by a previous host'),
      ).toMatchObject({ killed: 1 });
      const chat = await roundTrip(second, 'after the crash');
      await sleep(500);
      expect(chat.replies.filter((r) => r.text === 'Mock response to: after the crash')).toHaveLength(1);
      expect(runnerPidFile(dataDir)[1]).not.toBe(orphan);
    });

  it("leaves another data dir's runners alone", async () => {
    const mine = tempDir('nc-orphans-mine-');
    const theirs = tempDir('nc-orphans-theirs-');
    seedWeb(mine);
    seedWeb(theirs);
    const other = await host(theirs);
    await roundTrip(other, 'a runner of another host');
    const [, theirRunner] = runnerPidFile(theirs);
    const h = await host(mine);
    await roundTrip(h, 'my own runner');
    expect(alive(theirRunner)).toBe(true);
    expect(h.logs.some((l) => l.msg === 'killed runners left behind by a previous host')).toBe(false);
  });
});
