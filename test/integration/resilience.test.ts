import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb, withDb } from '../support/seed.js';
import { ChatStream, send, sleep } from '../support/web-client.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function host(dataDir: string): Promise<HostProcess> {
  const h = await startHostProcess({ dataDir });
  cleanup.push(() => h.stop());
  return h;
}

async function watch(url: string, chat = 'main'): Promise<ChatStream> {
  const s = new ChatStream(url, chat);
  cleanup.push(() => s.close());
  await s.opened();
  return s;
}

function runnerPid(dataDir: string): number | null {
  const root = path.join(dataDir, 'sessions', 'assistant');
  if (!fs.existsSync(root)) return null;
  for (const s of fs.readdirSync(root)) {
    const f = path.join(dataDir, 'run', 'runners', `${s}.pid`);
    if (fs.existsSync(f)) return Number(fs.readFileSync(f, 'utf8'));
  }
  return null;
}

/** Whether the runner holds a 'processing' claim (read straight from its outbound.db). */
function claimed(dataDir: string): boolean {
  const root = path.join(dataDir, 'sessions', 'assistant');
  for (const s of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const file = path.join(root, s, 'outbound.db');
    if (!fs.existsSync(file)) continue;
    const db = new Database(file, { readonly: true });
    try {
      if (db.prepare(`SELECT 1 FROM processing_ack WHERE status = 'processing'`).get()) return true;
    } finally {
      db.close();
    }
  }
  return false;
}

async function until<T>(fn: () => T | null | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

describe('crash recovery', () => {
  it('restarts a runner killed mid-message and delivers the reply exactly once', async () => {
    const dataDir = tempDir();
    seedWeb(dataDir);
    const h = await host(dataDir);
    const chat = await watch(h.url);
    await send(h.url, { text: 'warm up' });
    await chat.waitFor((r) => r.text === 'Mock response to: warm up');
    await send(h.url, { text: 'slow one [[delay:2500]]' });
    await until(() => (claimed(dataDir) ? true : null));
    const pid = await until(() => runnerPid(dataDir));
    process.kill(pid, 'SIGKILL');
    await h.waitForLog((l) => l.msg === 'runner exited unexpectedly');
    await chat.waitFor((r) => r.text === 'Mock response to: slow one', 30_000);
    await sleep(1500);
    expect(chat.replies.filter((r) => r.text === 'Mock response to: slow one')).toHaveLength(1);
    expect(runnerPid(dataDir)).not.toBe(pid);
  });

  it('loses nothing when the host is killed with messages in flight', async () => {
    const dataDir = tempDir();
    seedWeb(dataDir);
    const first = await startHostProcess({ dataDir });
    const chat1 = await watch(first.url);
    await send(first.url, { text: 'before the crash' });
    await chat1.waitFor((r) => r.text === 'Mock response to: before the crash');
    await send(first.url, { text: 'in flight one [[delay:1500]]' });
    await send(first.url, { text: 'in flight two [[echo-context]]' });
    await first.kill();
    const second = await host(dataDir);
    // Like a browser's EventSource reconnecting: it resumes from the last event id it saw before the crash.
    const chat2 = new ChatStream(second.url, 'main', chat1.lastEventId);
    cleanup.push(() => chat2.close());
    await chat2.opened();
    // Both messages were accepted before the crash; after it they are answered, alone or in one turn together.
    await chat2.waitFor((r) => r.text.includes('in flight two'), 30_000);
    await expect
      .poll(() => chat1.replies.concat(chat2.replies).some((r) => r.text.includes('in flight one')), {
        timeout: 15_000,
      })
      .toBe(true);
    const statuses = withDb(dataDir, (db) => db.all(db.q.selectFrom('sessions').select('id')));
    expect(statuses).toHaveLength(1);
  });
});

describe('scheduled tasks', () => {
  it('fires a scheduled task and repeats a cron task', async () => {
    const dataDir = tempDir();
    seedWeb(dataDir);
    const h = await host(dataDir);
    const chat = await watch(h.url);
    const once = JSON.stringify({
      prompt: 'once please',
      processAfter: new Date(Date.now() + 1500).toISOString(),
    });
    const cron = JSON.stringify({
      prompt: 'tick',
      processAfter: new Date(Date.now() + 4000).toISOString(),
      recurrence: '*/2 * * * * *',
    });
    await send(h.url, { text: `plan [[tool:schedule_task ${once}]] [[tool:schedule_task ${cron}]]` });
    await chat.waitFor((r) => r.text === 'Mock response to: once please', 20_000);
    await chat.waitFor((r) => r.text === 'Mock response to: tick', 20_000);
    await expect
      .poll(() => chat.replies.filter((r) => r.text === 'Mock response to: tick').length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    expect(chat.replies.filter((r) => r.text === 'Mock response to: once please')).toHaveLength(1);
  });
});
