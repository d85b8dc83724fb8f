/**
 * Pairing and `nanoclaw verify` end to end: the real `nanoclaw host` process configured from TELEGRAM_* env,
 * grammY talking to the fake Bot API, codes issued by the real `nanoclaw pair` CLI and by the web chat API.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole, isOwner } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { WEB_ROUTES } from '../../host/channels/web/web-api.js';
import { FakeTelegram } from '../fakes/telegram/fake-telegram.js';
import { ALICE, BOB, message } from '../fakes/telegram/updates.js';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { authFor, post } from '../support/web-client.js';

const TOKEN = '5151:pairing-token';
let fake: FakeTelegram;
let host: HostProcess;
let dataDir: string;

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NANOCLAW_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI while this process keeps serving the fake (spawnSync would block it). */
function cliAsync(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NANOCLAW_DATA_DIR: dataDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function pairCode(args: string[] = []): string {
  const r = cli(['pair', 'telegram', ...args]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout.trim()).toMatch(/^\d{6}$/);
  return r.stdout.trim();
}

const dm = (from: typeof ALICE, text: string) => fake.inject(TOKEN, { message: message({ from, text }) });

function replyTo(chat: number, text: string) {
  return fake.waitFor(
    () => fake.messages.find((m) => m.chat_id === String(chat) && m.text.includes(text)),
    `"${text}" in ${chat}`,
    20_000,
  );
}

beforeAll(async () => {
  fake = await FakeTelegram.start([{ token: TOKEN, id: 5151, username: 'pair_bot' }]);
  dataDir = tempDir('nc-pair-');
  withDb(dataDir, (db) =>
    upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' }),
  );
  host = await startHostProcess({
    dataDir,
    env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot },
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await fake?.close();
});

describe('pairing a Telegram account', () => {
  it('makes the first paired account the owner and wires its DM to the agent', async () => {
    const code = pairCode(['--agent', 'assistant']);
    dm(ALICE, code);
    await replyTo(ALICE.id, 'Paired as telegram:111. You are the owner of this NanoClaw.');
    expect(withDb(dataDir, (db) => isOwner(db, 'telegram:111'))).toBe(true);
    dm(ALICE, 'hello there');
    await replyTo(ALICE.id, 'Mock response to: hello there').catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${host.output.slice(-30).join('\n')}`);
    });
  });

  it('refuses wrong codes, and cancels pending codes after five', async () => {
    const code = pairCode();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) dm(BOB, wrong);
    await replyTo(BOB.id, 'Too many wrong codes');
    expect(
      fake.messages.filter((m) => m.chat_id === String(BOB.id) && m.text.includes('not valid')),
    ).toHaveLength(5);
    const seen = host.logs.length;
    dm(BOB, code);
    // The cancelled code is an ordinary message now: routed (and dropped, Bob's DM is not wired), not paired.
    await host.waitForLog(
      (l) => host.logs.indexOf(l) >= seen && typeof l.msg === 'string' && /chat seen|dropped/.test(l.msg),
    );
    expect(fake.messages.some((m) => m.chat_id === String(BOB.id) && m.text.includes('Paired'))).toBe(false);
  });

  it('gives a later paired account no owner role (first pair wins)', async () => {
    const code = pairCode(['--agent', 'assistant']);
    dm(BOB, code);
    await replyTo(BOB.id, 'Paired as telegram:222. You are registered. This chat now talks to Assistant');
    expect(withDb(dataDir, (db) => isOwner(db, 'telegram:222'))).toBe(false);
    dm(BOB, 'hi from bob');
    await replyTo(BOB.id, 'Mock response to: hi from bob');
  });
});

describe('pairing codes from the web chat', () => {
  it('are issued to owners only, naming a bad agent group', async () => {
    const denied = await post(host.url, WEB_ROUTES.pairingCodes, { channel: 'telegram' });
    expect(denied.status).toBe(403);
    withDb(dataDir, (db) => grantRole(db, { userId: 'web:local', role: 'owner' }));
    const ok = await post(host.url, WEB_ROUTES.pairingCodes, {
      channel: 'telegram',
      agentGroup: 'assistant',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.code).toMatch(/^\d{6}$/);
    const bad = await post(host.url, WEB_ROUTES.pairingCodes, { channel: 'telegram', agentGroup: 'nope' });
    expect(bad).toMatchObject({ status: 400, body: { field: 'agentGroup' } });
    const member = await post(
      host.url,
      WEB_ROUTES.pairingCodes,
      { channel: 'telegram' },
      authFor(host.url, 'mallory'),
    );
    expect(member.status).toBe(403);
  });
});

describe('nanoclaw verify', () => {
  it('reports a bot the platform accepts as reachable, with its name', async () => {
    const r = await cliAsync(['verify'], { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/channel telegram\s+reachable\s+@pair_bot/);
  });

  it('reports a refused token as failing with the platform’s error and exits 1', async () => {
    const r = await cliAsync(['verify', '-o', 'json'], {
      TELEGRAM_BOT_TOKEN: '1:wrong',
      TELEGRAM_API_ROOT: fake.apiRoot,
    });
    expect(r.status).toBe(1);
    const checks = JSON.parse(r.stdout) as { check: string; state: string; detail: string }[];
    expect(checks.find((c) => c.check === 'channel telegram')).toMatchObject({
      state: 'failing',
      detail: expect.stringMatching(/Unauthorized/),
    });
  });

  it('names a bad setting with its variable and exits 2', () => {
    const r = cli(['verify'], { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: 'not a url' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/TELEGRAM_API_ROOT/);
  });
});
