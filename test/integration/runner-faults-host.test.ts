import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { WEB_ROUTES } from '../../host/channels/web/web-api.js';
import { authFor, ChatStream, post, send } from '../support/web-client.js';
import { holdLock } from '../support/db-lock.js';

/** Chats (one session each) × kill cycles per chat: a session's third crash in a row backs off its restarts. */
const CHATS = ['main', 'c1', 'c2'];
const CYCLES_PER_CHAT = 2;
/** A chat of its own for the begun-commit case, so its crash does not add to another session's streak. */
const BEGUN = 'begun';
let host: HostProcess;
let home: string;
const streams = new Map<string, ChatStream>();

const chatYaml = (id: string) => `apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: web-${id} }
spec:
  channel: web
  platformId: ${id}
  unknownSenderPolicy: strict
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
`;

beforeAll(async () => {
  home = tempDir('nc-runner-faults-');
  const configDir = path.join(home, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(
    path.join(configDir, 'agent.yaml'),
    [
      'apiVersion: nanoclaw.dev/v1alpha1',
      'kind: AgentGroup',
      'metadata: { name: assistant }',
      'spec: { provider: mock }',
      '---',
      'apiVersion: nanoclaw.dev/v1alpha1',
      'kind: UserRole',
      'metadata: { name: local-owner }',
      'spec: { user: "web:local", role: owner }',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(configDir, 'chats.yaml'), [...CHATS, BEGUN].map(chatYaml).join('---\n'));
  host = await startHostProcess({
    dataDir: path.join(home, 'data'),
    verb: 'start',
    env: { NANOCLAW_CONFIG_DIR: path.join(home, 'nanoclaw.d'), LOG_LEVEL: 'info' },
  });
  for (const c of [...CHATS, BEGUN]) {
    const stream = new ChatStream(host.url, c);
    await stream.opened();
    streams.set(c, stream);
  }
});

afterAll(async () => {
  for (const s of streams.values()) s.close();
  expect(await host?.stop()).toBe(0);
  fs.rmSync(home, { recursive: true, force: true });
});

/**
 * A writer killed in the middle of a commit, as a runner can be: it spills a large transaction into outbound.db
 * (so the journal is hot), says so, and is killed with SIGKILL. Bounded: it gives up after 10 s.
 */
async function crashMidCommit(dbFile: string): Promise<void> {
  const code = `
    const db = new (require('better-sqlite3'))(process.argv[1], { timeout: 5000 });
    db.pragma('cache_size = 1');
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE IF NOT EXISTS half_written (x BLOB)');
    const ins = db.prepare('INSERT INTO half_written VALUES (?)');
    for (let i = 0; i < 200; i++) ins.run(Buffer.alloc(4096, i));
    console.log('spilled');
    setTimeout(() => process.exit(3), 10000);
  `;
  const child = spawn(process.execPath, ['-e', code, dbFile], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the writer never spilled')), 10_000);
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      if (l === 'spilled') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGKILL');
  await exited;
}

/** The session directory the newest reply came from: the one whose outbound.db changed last. */
function newestSession(): { dir: string; id: string } {
  const root = path.join(host.dataDir, 'sessions', 'assistant');
  const ids = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'outbound.db')));
  const mtime = (id: string) => fs.statSync(path.join(root, id, 'outbound.db')).mtimeMs;
  const id = ids.sort((a, b) => mtime(b) - mtime(a))[0]!;
  return { dir: path.join(root, id), id };
}

async function roundTrip(chat: string, text: string): Promise<void> {
  await send(host.url, { chat, text });
  await streams.get(chat)!.waitFor((r) => r.text === `Mock response to: ${text}`, 30_000);
}

describe('a runner killed in the middle of a commit', () => {
  it(`never crashes the host nor blocks the chat (${CHATS.length * CYCLES_PER_CHAT} kill -9 cycles)`, async () => {
    for (const chat of CHATS) {
      await roundTrip(chat, `warm up ${chat}`);
      for (let i = 0; i < CYCLES_PER_CHAT; i++) {
        const { dir, id } = newestSession();
        const outbound = path.join(dir, 'outbound.db');
        await crashMidCommit(outbound);
        expect(fs.existsSync(`${outbound}-journal`)).toBe(true);
        const pidFile = path.join(host.dataDir, 'run', 'runners', `${id}.pid`);
        const runnerPid = Number(fs.readFileSync(pidFile, 'utf8'));
        const exitsOf = () =>
          host.logs.filter((l) => l.msg === 'runner exited unexpectedly' && l.sessionId === id).length;
        const exits = exitsOf();
        process.kill(runnerPid, 'SIGKILL');
        await expect.poll(exitsOf, { timeout: 10_000 }).toBe(exits + 1);
        await new Promise((r) => setTimeout(r, 300)); // the host's exit handler runs
        expect(host.proc.exitCode).toBeNull();
        await roundTrip(chat, `after crash ${i} in ${chat}`);
      }
    }
    expect(host.proc.exitCode).toBeNull();
  }, 120_000);

  it('answers the message a runner held when it was killed as it began a commit (an empty journal is left)', async () => {
    await roundTrip(BEGUN, `warm up ${BEGUN}`);
    const { dir, id } = newestSession();
    const turnsStarted = () => host.logs.filter((l) => l.msg === 'turn started' && l.sessionId === id).length;
    const turns = turnsStarted();
    await send(host.url, { chat: BEGUN, text: '[[delay:2000]] held when killed' });
    await expect.poll(turnsStarted, { timeout: 10_000 }).toBe(turns + 1);
    // SQLite does not roll back an empty journal (it is not hot) nor delete it: it stays until the next commit.
    fs.writeFileSync(path.join(dir, 'outbound.db-journal'), '');
    const runnerPid = Number(fs.readFileSync(path.join(host.dataDir, 'run', 'runners', `${id}.pid`), 'utf8'));
    process.kill(runnerPid, 'SIGKILL');
    await streams.get(BEGUN)!.waitFor((r) => r.text === 'Mock response to: held when killed', 20_000);
    expect(host.logs.filter((l) => String(l.msg).startsWith('clean-up after a runner exit failed'))).toEqual(
      [],
    );
    expect(host.proc.exitCode).toBeNull();
  });

  it('answers 503 with a reason at once while another process locks the session DB, and recovers after', async () => {
    await roundTrip('main', 'before the lock');
    const { dir } = newestSession();
    const release = await holdLock(path.join(dir, 'inbound.db'));
    try {
      const started = Date.now();
      const r = await post(host.url, WEB_ROUTES.messages, { text: 'while locked' }, authFor(host.url));
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ error: expect.stringContaining('locked by another process') });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await release();
    }
    expect(host.proc.exitCode).toBeNull();
    await roundTrip('main', 'after the lock');
  });
});
