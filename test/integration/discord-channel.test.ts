/**
 * Discord end to end: the real host (in-process, and as the `nanoclaw host` process configured from env) with
 * the Discord adapter on the real discord.js, against the local fake Discord (test/fakes/discord), with
 * mock-provider agents in real runner processes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../host/access/members.js';
import { ensureUserDm } from '../../host/access/user-dm.js';
import { MapChannelRegistry } from '../../host/channels/adapter.js';
import { DiscordAdapter } from '../../host/channels/discord/adapter.js';
import { loadConfig } from '../../host/config.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertUser } from '../../host/db/users.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { startHost, type RunningHost } from '../../host/host.js';
import { FakeDiscord } from '../fakes/discord/fake-discord.js';
import type { SentMessage } from '../fakes/discord/rest.js';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { sleep } from '../support/web-client.js';

/** The agent group, the test channel (mention-engaged, strict) and Alice's DM, with Alice a member. */
function seed(db: CentralDb, discord: FakeDiscord): void {
  upsertAgentGroup(db, { id: 'assistant', name: 'Assistant', folder: 'assistant', provider: 'mock' });
  const channel = upsertMessagingGroup(db, {
    channelType: 'discord',
    platformId: discord.channelId,
    name: 'general',
    isGroup: true,
    unknownSenderPolicy: 'strict',
  });
  upsertWiring(db, { messagingGroupId: channel.id, agentGroupId: 'assistant', engageMode: 'mention' });
  const dm = upsertMessagingGroup(db, {
    channelType: 'discord',
    platformId: discord.dmWith(discord.alice).id,
    name: 'alice',
    isGroup: false,
    unknownSenderPolicy: 'strict',
  });
  upsertWiring(db, {
    messagingGroupId: dm.id,
    agentGroupId: 'assistant',
    engageMode: 'pattern',
    engagePattern: '.',
  });
  addMember(db, { userId: `discord:${discord.alice.id}`, agentGroupId: 'assistant' });
}

/** Discord text as a person reads it: backslash escapes removed. */
const shown = (content: string): string => content.replace(/\\([^A-Za-z0-9\s])/g, '$1');

function replyIn(discord: FakeDiscord, channelId: string, pred: (m: SentMessage) => boolean, after = 0) {
  return discord.waitFor(
    () => discord.rest.sent.slice(after).find((m) => m.channelId === channelId && pred(m)),
    `a bot message in ${channelId}`,
    20_000,
  );
}

describe('Discord through the in-process host', () => {
  let discord: FakeDiscord;
  let host: RunningHost;
  let adapter: DiscordAdapter;
  let dataDir: string;
  let dmId: string;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const dmReply = (text: string, after = 0) => replyIn(discord, dmId, (m) => m.content === text, after);

  beforeAll(async () => {
    discord = await FakeDiscord.start();
    dmId = discord.dmWith(discord.alice).id;
    dataDir = tempDir('nc-discord-');
    const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
    seed(db, discord);
    adapter = new DiscordAdapter(
      'discord',
      { token: discord.token, apiUrl: discord.apiUrl, tokenKey: 'DISCORD_BOT_TOKEN' },
      log,
    );
    const config = loadConfig({
      NANOCLAW_DATA_DIR: dataDir,
      NANOCLAW_PORT: '0',
      NANOCLAW_RUNNER_POLL_MS: '250',
      NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'silent',
    });
    host = await startHost({ config, log, channels: [adapter], db });
  });

  afterAll(async () => {
    await host?.close();
    await discord?.close();
  });

  it('answers a DM in the DM, showing typing while the agent works', async () => {
    discord.post(discord.alice, 'hi there', { in: 'dm' });
    await dmReply('Mock response to: hi there');
    expect(discord.rest.typing).toContain(dmId);
  });

  it('engages in the channel only on a mention, and answers in a thread inside the thread', async () => {
    const before = discord.rest.sent.length;
    discord.post(discord.alice, 'just chatting');
    discord.post(discord.alice, `<@${discord.bot.id}> status?`, { mentions: [discord.bot] });
    await replyIn(
      discord,
      discord.channelId,
      (m) => m.content === `Mock response to: <@${discord.bot.id}> status?`,
    );
    discord.post(discord.alice, `<@${discord.bot.id}> in thread`, { in: 'thread', mentions: [discord.bot] });
    await replyIn(discord, discord.threadId, (m) => m.content.endsWith('in thread'));
    expect(discord.rest.sent.slice(before).some((m) => m.content.includes('just chatting'))).toBe(false);
  });

  it('drops a stranger in a strict channel, even when they mention the bot', async () => {
    const before = discord.rest.sent.length;
    discord.post(discord.bob, `<@${discord.bot.id}> let me in`, { mentions: [discord.bot] });
    const drop = await discord.waitFor(
      () =>
        host.db.first(
          host.db.q
            .selectFrom('dropped_messages')
            .selectAll()
            .where('user_id', '=', `discord:${discord.bob.id}`),
        ),
      'the drop of the stranger',
    );
    expect(drop).toMatchObject({ reason: 'unknown_sender_strict', sender_name: 'bob' });
    await sleep(500);
    expect(discord.rest.sent.slice(before).some((m) => m.content.includes('let me in'))).toBe(false);
  });

  it('splits a long answer at 2000 characters and escapes what is not markup', async () => {
    const before = discord.rest.sent.length;
    const long = Array.from({ length: 30 }, (_, i) => `line ${i} ${'x'.repeat(90)}`).join('\n\n');
    discord.post(discord.alice, `a_b **bold**\n\n${long}`, { in: 'dm' });
    await replyIn(discord, dmId, (m) => m.content.includes('line 29'), before);
    const parts = discord.rest.sent.slice(before).filter((m) => m.channelId === dmId);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((m) => m.content.length <= 2000)).toBe(true);
    expect(parts[0]!.content.startsWith('Mock response to: a\\_b **bold**')).toBe(true);
  });

  it('hands an attachment to the agent and uploads a file the agent sends', async () => {
    const file = discord.rest.hostFile('notes.txt', Buffer.from('ten bytes!'), 'text/plain');
    discord.post(discord.alice, 'read this [[echo-context]]', { in: 'dm', attachments: [file] });
    const echo = await replyIn(discord, dmId, (m) => m.content.includes('read this'));
    expect(shown(echo.content)).toMatch(/\[files: inbox\/\S+ \(10 bytes\)\]/);
    const session = fs.readdirSync(path.join(dataDir, 'sessions', 'assistant'))[0]!;
    const outbox = path.join(dataDir, 'sessions', 'assistant', session, 'outbox');
    fs.mkdirSync(outbox, { recursive: true });
    fs.writeFileSync(path.join(outbox, 'report.csv'), 'a,b\n1,2\n');
    discord.post(discord.alice, '[[tool:send_file {"path":"report.csv","text":"here"}]]', { in: 'dm' });
    const upload = await replyIn(discord, dmId, (m) => m.files.length > 0);
    expect(upload.files).toEqual([{ name: 'report.csv', data: Buffer.from('a,b\n1,2\n') }]);
  });

  it('edits and reacts to a message the agent sent', async () => {
    discord.post(discord.alice, '[[tool:send_message {"text":"draft"}]]', { in: 'dm' });
    const result = await replyIn(discord, dmId, (m) => shown(m.content).includes('[tool send_message]'));
    const outId = /\(id ([^)]+)\)/.exec(result.content)![1]!;
    const draft = discord.rest.sent.find((m) => m.channelId === dmId && m.content === 'draft')!;
    discord.post(
      discord.alice,
      `[[tool:edit_message {"messageId":"${outId}","text":"final **text**"}]] [[tool:add_reaction {"messageId":"${outId}","emoji":"✅"}]]`,
      { in: 'dm' },
    );
    await discord.waitFor(
      () => discord.rest.reactions.find((r) => r.messageId === draft.id),
      'the reaction',
      20_000,
    );
    expect(discord.rest.edits).toContainEqual({
      channelId: dmId,
      messageId: draft.id,
      content: 'final **text**',
    });
    expect(discord.rest.reactions).toContainEqual({ channelId: dmId, messageId: draft.id, emoji: '✅' });
  });

  it('asks with buttons; a click by someone else is refused to them alone, the asker’s click answers', async () => {
    const ask = {
      title: 'Deploy',
      question: 'Ship it?',
      options: [
        { label: 'Yes', value: 'yes' },
        { label: 'No', value: 'no' },
      ],
      timeoutSeconds: 30,
    };
    discord.post(discord.alice, `<@${discord.bot.id}> [[tool:ask_user_question ${JSON.stringify(ask)}]]`, {
      mentions: [discord.bot],
    });
    const card = await replyIn(discord, discord.channelId, (m) => m.components.length > 0);
    const [yes] = card.components[0]!.components;
    const wrong = discord.click(card.id, yes!.custom_id, discord.bob);
    const refused = await discord.waitFor(
      () => discord.rest.callbacks.find((c) => c.interactionId === wrong),
      'the refusal',
    );
    expect(refused).toMatchObject({ type: 4, data: { flags: 64 } });
    const right = discord.click(card.id, yes!.custom_id, discord.alice);
    await discord.waitFor(() => discord.rest.callbacks.find((c) => c.interactionId === right), 'the answer');
    await replyIn(discord, discord.channelId, (m) =>
      shown(m.content).includes('[tool ask_user_question] yes'),
    );
  });

  it('opens a DM through Discord once, then uses the cached one, and the DM reaches the user', async () => {
    const channels = new MapChannelRegistry([adapter]);
    upsertUser(host.db, `discord:${discord.bob.id}`, 'bob');
    const first = await ensureUserDm(host.db, channels, `discord:${discord.bob.id}`);
    const second = await ensureUserDm(host.db, channels, `discord:${discord.bob.id}`);
    expect(first?.platform_id).toBe(discord.dmWith(discord.bob).id);
    expect(second?.id).toBe(first?.id);
    expect(discord.rest.dmOpens.filter((id) => id === discord.bob.id)).toHaveLength(1);
    await adapter.send(
      { channelType: 'discord', platformId: first!.platform_id, threadId: null },
      { text: 'hi bob' },
    );
    await replyIn(discord, discord.dmWith(discord.bob).id, (m) => m.content === 'hi bob');
  });

  it('waits out a 429 on the reply and delivers it once', async () => {
    const before = discord.rest.sent.length;
    discord.rest.rateLimit('POST', new RegExp(`^/channels/${dmId}/messages$`), 1, 1);
    discord.post(discord.alice, 'slow down', { in: 'dm' });
    await dmReply('Mock response to: slow down', before);
    expect(discord.rest.requests.some((r) => r.status === 429)).toBe(true);
    await sleep(300);
    expect(discord.rest.sent.slice(before).filter((m) => m.content.endsWith('slow down'))).toHaveLength(1);
  });

  it('gets a message sent while the gateway was down after the resume, and answers it once', async () => {
    const before = discord.rest.sent.length;
    discord.gateway.drop();
    discord.post(discord.alice, 'are you back?', { in: 'dm' });
    await dmReply('Mock response to: are you back?', before);
    await sleep(500);
    expect(discord.rest.sent.slice(before).filter((m) => m.content.endsWith('are you back?'))).toHaveLength(
      1,
    );
  });

  it('writes a redelivered message once, survives malformed dispatches, and answers an edit as new text', async () => {
    const before = discord.rest.sent.length;
    discord.gateway.sendRaw('{"op":0,"t":"MESSAGE_CREATE"');
    discord.gateway.dispatch('MESSAGE_CREATE', { id: '1', channel_id: dmId, channel_type: 1 });
    const msg = discord.post(discord.alice, 'only once please', { in: 'dm' });
    discord.gateway.dispatch('MESSAGE_CREATE', msg);
    await dmReply('Mock response to: only once please', before);
    discord.edit(msg.id as string, 'only once, edited');
    await dmReply('Mock response to: only once, edited', before);
    const replies = discord.rest.sent.slice(before).filter((m) => m.content.includes('only once please'));
    expect(replies).toHaveLength(1);
  });
});

/** `nanoclaw verify -o json` while this process keeps serving the fake; its checks. */
function verify(dataDir: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; checks: { check: string; state: string; detail: string }[] }>(
    (resolve) => {
      const child = spawn(process.execPath, [CLI, 'verify', '-o', 'json'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NANOCLAW_DATA_DIR: dataDir, ...env },
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, checks: JSON.parse(stdout || '[]') as never });
      });
    },
  );
}

describe('Discord through the nanoclaw host process (env configuration)', () => {
  let discord: FakeDiscord;
  let host: HostProcess;

  beforeAll(async () => {
    discord = await FakeDiscord.start();
    const dataDir = tempDir('nc-discord-proc-');
    const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
    seed(db, discord);
    db.close();
    host = await startHostProcess({
      dataDir,
      env: { DISCORD_BOT_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await discord?.close();
  });

  it('connects from DISCORD_BOT_TOKEN and DISCORD_API_URL and answers a DM', async () => {
    const dm = discord.dmWith(discord.alice).id;
    discord.post(discord.alice, 'hello process', { in: 'dm' });
    await replyIn(discord, dm, (m) => m.content === 'Mock response to: hello process');
    expect(host.output.join('\n')).not.toContain(discord.token);
  });

  it('nanoclaw verify: reachable with the bot’s name, or failing with Discord’s 401', async () => {
    const ok = await verify(host.dataDir, {
      DISCORD_BOT_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
    });
    expect(ok.checks.find((c) => c.check === 'channel discord')).toMatchObject({
      state: 'reachable',
      detail: 'nanobot',
    });
    const bad = await verify(host.dataDir, {
      DISCORD_BOT_TOKEN: 'z'.repeat(40),
      DISCORD_API_URL: discord.apiUrl,
    });
    expect(bad.status).toBe(1);
    expect(bad.checks.find((c) => c.check === 'channel discord')).toMatchObject({
      state: 'failing',
      detail: '401 401: Unauthorized',
    });
  });
});
