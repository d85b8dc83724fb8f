/**
 * `nanoclaw init-first-agent` end to end: the real `nanoclaw host` process with a Telegram bot on the fake Bot
 * API, the real CLI against the host's data dir while it runs; the agent's greeting arrives in the person's DM
 * through the normal runner → delivery path (the mock provider: the host has no ANTHROPIC_API_KEY).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOwner } from '../../host/access/roles.js';
import { FakeTelegram } from '../fakes/telegram/fake-telegram.js';
import { ALICE, BOB, message } from '../fakes/telegram/updates.js';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TOKEN = '6161:init-token';
let fake: FakeTelegram;
let host: HostProcess;
let dataDir: string;

interface Step {
  object: string;
  id: string;
  action: string;
  detail: string;
}

/** The CLI while this process keeps serving the fake (spawnSync would block it). */
function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'init-first-agent', ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NANOCLAW_DATA_DIR: dataDir,
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        ...env,
      },
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

async function initJson(args: string[]): Promise<Record<string, Step>> {
  const r = await cli([...args, '-o', 'json']);
  expect(r.status, r.stderr).toBe(0);
  const { steps } = JSON.parse(r.stdout) as { steps: Step[] };
  return Object.fromEntries(steps.map((s) => [s.object, s]));
}

const inChat = (chat: number, text: string) =>
  fake.messages.filter((m) => m.chat_id === String(chat) && m.text.includes(text));

function arrives(chat: number, text: string) {
  return fake
    .waitFor(() => inChat(chat, text)[0], `"${text}" in ${chat}`, 20_000)
    .catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${host.output.slice(-30).join('\n')}`);
    });
}

const count = (sql: string) => withDb(dataDir, (db) => (db.raw.prepare(sql).get() as { n: number }).n);

beforeAll(async () => {
  fake = await FakeTelegram.start([{ token: TOKEN, id: 6161, username: 'init_bot' }]);
  dataDir = tempDir('nc-init-');
  host = await startHostProcess({
    dataDir,
    env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot },
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await fake?.close();
});

describe('init-first-agent against a running host', () => {
  it('sets up the owner’s agent in their Telegram DM and the agent greets them there', async () => {
    const steps = await initJson(['--channel', 'telegram', '--user', String(ALICE.id), '--name', 'Alice A']);
    expect(steps).toMatchObject({
      user: { id: 'telegram:111', action: 'created' },
      role: { id: 'owner', action: 'granted' },
      'agent group': { id: 'dm-with-alice-a', action: 'created' },
      folder: { id: 'dm-with-alice-a', action: 'created' },
      DM: { action: 'created', detail: 'telegram chat 111' },
      wiring: { action: 'created' },
      membership: { action: 'created' },
      session: { action: 'created' },
      welcome: { action: 'written' },
    });
    await arrives(ALICE.id, 'Mock response to: Say hello to Alice A: they just set you up');
    expect(withDb(dataDir, (db) => isOwner(db, 'telegram:111'))).toBe(true);
    fake.inject(TOKEN, { message: message({ from: ALICE, text: 'what can you do?' }) });
    await arrives(ALICE.id, 'Mock response to: what can you do?');
  });

  it('changes nothing when run again: no second greeting, no duplicate rows', async () => {
    const r = await cli(['--channel', 'telegram', '--user', String(ALICE.id), '--name', 'Alice A']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OBJECT\s+ID\s+ACTION\s+DETAIL/);
    const rows = r.stdout.trim().split('\n').slice(1);
    expect(new Set(rows.map((l) => l.split(/\s{2,}/)[2]))).toEqual(new Set(['reused', 'unchanged']));
    expect(r.stdout).toMatch(/welcome\s+welcome-[0-9a-f]+\s+unchanged\s+already written/);
    // Several sweep ticks (1 s each) later, still one greeting.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(inChat(ALICE.id, 'Say hello to Alice A')).toHaveLength(1);
    expect(count(`SELECT count(*) AS n FROM agent_groups`)).toBe(1);
    expect(count(`SELECT count(*) AS n FROM messaging_groups WHERE platform_id = '111'`)).toBe(1);
    expect(count(`SELECT count(*) AS n FROM messaging_group_agents`)).toBe(1);
    expect(count(`SELECT count(*) AS n FROM user_roles`)).toBe(1);
    expect(count(`SELECT count(*) AS n FROM wake_requests`)).toBe(0);
  });

  it('resends the welcome only when asked, with the given text', async () => {
    const steps = await initJson([
      '--channel',
      'telegram',
      '--user',
      String(ALICE.id),
      '--name',
      'Alice A',
      '--resend-welcome',
      '--welcome',
      'Tell Alice about the weather',
    ]);
    expect(steps.welcome).toMatchObject({ action: 'written' });
    await arrives(ALICE.id, 'Mock response to: Tell Alice about the weather');
  });

  it('gives a second person their agent without making them owner, and says so', async () => {
    const steps = await initJson(['--channel', 'telegram', '--user', String(BOB.id), '--name', 'Bob']);
    expect(steps.role).toMatchObject({
      action: 'unchanged',
      detail: 'not made owner: this host has one (telegram:111); membership only',
    });
    expect(steps['agent group']).toMatchObject({ id: 'dm-with-bob', action: 'created' });
    await arrives(BOB.id, 'Mock response to: Say hello to Bob');
    expect(withDb(dataDir, (db) => isOwner(db, 'telegram:222'))).toBe(false);
  });
});

describe('init-first-agent while the host is stopped', () => {
  it('greets the person when the host starts', async () => {
    await host.stop();
    const steps = await initJson(['--channel', 'telegram', '--user', '333', '--name', 'Carol']);
    expect(steps.welcome).toMatchObject({ action: 'written' });
    host = await startHostProcess({
      dataDir,
      env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot },
    });
    await arrives(333, 'Mock response to: Say hello to Carol');
  });
});

describe('init-first-agent refusals', () => {
  it('exits 2 naming a missing or bad argument', async () => {
    const missing = await cli(['--channel', 'telegram', '--name', 'Dan']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--user is required/);
    const role = await cli(['--channel', 'telegram', '--user', '444', '--name', 'Dan', '--role', 'king']);
    expect(role.status).toBe(2);
    expect(role.stderr).toMatch(/--role "king" must be one of owner, admin, member/);
    const unknown = await cli(['--channel', 'telegram', '--user', '444', '--name', 'Dan', '--colour', 'x']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--colour/);
    expect(count(`SELECT count(*) AS n FROM users WHERE id = 'telegram:444'`)).toBe(0);
  });

  it('refuses a channel with no bot configured, naming the variable, before writing anything', async () => {
    const r = await cli(['--channel', 'discord', '--user', '42', '--name', 'Dee']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /--channel discord: no bot is configured for "discord" in this environment \(configured: telegram\); set DISCORD_BOT_TOKEN/,
    );
    const slack = await cli(['--channel', 'slack-team', '--user', 'T1:U1', '--name', 'Sam']);
    expect(slack.status).toBe(2);
    expect(slack.stderr).toMatch(/set SLACK_BOT_TOKEN_TEAM/);
    expect(count(`SELECT count(*) AS n FROM users WHERE id LIKE 'discord:%' OR id LIKE 'slack:%'`)).toBe(0);
  });
});
