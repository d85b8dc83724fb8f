/**
 * The Slack channel end to end: the real host (in-process over Socket Mode, and the `nanoclaw host` process
 * configured from SLACK_* env in Socket Mode and in Events API mode) with the mock agent, talking through Bolt and
 * the Web API client to the fake Slack in test/fakes/slack.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { ensureUserDm } from '../../host/access/user-dm.js';
import { MapChannelRegistry } from '../../host/channels/adapter.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { createSlackAdapter, type SlackAdapter } from '../../host/channels/slack/slack-adapter.js';
import { loadConfig } from '../../host/config.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { startHost, type RunningHost } from '../../host/host.js';
import { dataLayout, sessionPaths } from '../../host/session/layout.js';
import { FakeSlack, signedPost } from '../fakes/slack/fake-slack.js';
import type { PostedMessage } from '../fakes/slack/web-api.js';
import { startHostProcess, tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

const TEAM = 'TFAKE01';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const DM = 'D0ALICE';
const GROUP = 'C0GROUP';
const THREADS = 'C0THREADS';
const SECRET = 'slack-signing-secret-for-tests';
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alice's DM, a mention-engaged channel, a channel with one session per thread; Alice is the owner. */
function seed(db: CentralDb): void {
  upsertAgentGroup(db, { id: 'assistant', name: 'assistant', folder: 'assistant', provider: 'mock' });
  const chats = [
    { platformId: DM, isGroup: false, wiring: { engageMode: 'pattern', engagePattern: '.' } },
    { platformId: GROUP, isGroup: true, wiring: { engageMode: 'mention' } },
    {
      platformId: THREADS,
      isGroup: true,
      wiring: { engageMode: 'pattern', engagePattern: '.', sessionMode: 'per-thread' },
    },
  ] as const;
  for (const c of chats) {
    const mg = upsertMessagingGroup(db, {
      channelType: 'slack',
      platformId: c.platformId,
      name: c.platformId,
      isGroup: c.isGroup,
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'assistant', ...c.wiring });
  }
  grantRole(db, { userId: `slack:${TEAM}:${ALICE}`, role: 'owner', displayName: 'alice' });
}

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function postedIn(fake: FakeSlack, channel: string): PostedMessage[] {
  return fake.api.posted.filter((m) => m.channel === channel);
}

function reply(fake: FakeSlack, channel: string, text: string, timeoutMs = 20_000): Promise<PostedMessage> {
  return waitFor(
    `a reply containing "${text.slice(0, 60)}" in ${channel}`,
    () => postedIn(fake, channel).find((m) => m.text.includes(text)),
    timeoutMs,
  );
}

/** The host's row id of an inbound message (what agents use as a message id). */
function rowId(platformId: string, messageId: string): string {
  const h = createHash('sha256').update(`slack\0${platformId}\0${messageId}`).digest('hex');
  return `m-${h.slice(0, 24)}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function people(fake: FakeSlack): void {
  fake.addUser(ALICE, 'alice');
  fake.addUser(BOB, 'bob');
  fake.addUser('U0CAROL', 'carol');
}

describe('slack channel through the in-process host (Socket Mode)', () => {
  let fake: FakeSlack;
  let host: RunningHost;
  let adapter: SlackAdapter;
  let dataDir: string;
  const say = (event: Record<string, unknown>, eventId?: string) =>
    fake.socket.sendEvent(fake.eventCallback(event, eventId));

  beforeAll(async () => {
    fake = await FakeSlack.start();
    people(fake);
    dataDir = tempDir('nc-slack-');
    withDb(dataDir, seed);
    const env = {
      NANOCLAW_DATA_DIR: dataDir,
      NANOCLAW_PORT: '0',
      NANOCLAW_RUNNER_POLL_MS: '250',
      NANOCLAW_SWEEP_INTERVAL_SECONDS: '1',
    };
    const [instance] = channelInstances({
      SLACK_BOT_TOKEN: fake.id.botToken,
      SLACK_APP_TOKEN: fake.id.appToken,
      SLACK_API_URL: fake.apiUrl,
    });
    adapter = createSlackAdapter(instance!, log);
    host = await startHost({ config: loadConfig(env), log, channels: [adapter] });
  });

  afterAll(async () => {
    await host?.close();
    await fake?.close();
  });

  it('answers a DM through the agent and acks the envelope', async () => {
    const d = say(fake.message({ channel: DM, user: ALICE, text: 'hello agent' }));
    expect(await d.acked).toBe(true);
    await reply(fake, DM, 'Mock response to: hello agent');
  });

  it('engages in a channel only on a rich_text mention of the bot', async () => {
    await say(fake.message({ channel: GROUP, user: ALICE, text: 'talking among ourselves' })).acked;
    await say(
      fake.message({
        channel: GROUP,
        user: ALICE,
        text: `<@${fake.id.botUserId}> what time is it`,
        blocks: fake.mentionBlocks('what time is it'),
      }),
    ).acked;
    await reply(fake, GROUP, 'what time is it');
    expect(postedIn(fake, GROUP).some((m) => m.text.includes('ourselves'))).toBe(false);
  });

  it('replies inside the thread the message came from', async () => {
    const parent = fake.api.nextTs();
    await say(fake.message({ channel: THREADS, user: ALICE, text: 'in a thread', thread_ts: parent })).acked;
    const r = await reply(fake, THREADS, 'Mock response to: in a thread');
    expect(r.thread_ts).toBe(parent);
  });

  it('drops an unknown sender in a strict channel, even with a mention', async () => {
    await say(
      fake.message({ channel: GROUP, user: BOB, text: 'let me in', blocks: fake.mentionBlocks('let me in') }),
    ).acked;
    await say(
      fake.message({
        channel: GROUP,
        user: ALICE,
        text: 'after bob',
        blocks: fake.mentionBlocks('after bob'),
      }),
    ).acked;
    await reply(fake, GROUP, 'after bob');
    expect(postedIn(fake, GROUP).some((m) => m.text.includes('let me in'))).toBe(false);
  });

  it('splits a long reply at 3,000 characters and escapes the Markdown as mrkdwn', async () => {
    const before = postedIn(fake, DM).length;
    const long = `<!channel> & **bold** ${'word '.repeat(1000)}end-marker`;
    await say(
      fake.message({
        channel: DM,
        user: ALICE,
        text: long.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      }),
    ).acked;
    await reply(fake, DM, 'end-marker');
    const parts = postedIn(fake, DM).slice(before);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(3000);
    expect(parts[0]!.text).toContain('&lt;!channel&gt; &amp; *bold*');
  });

  it('writes a redelivered event once, and an edit as a new message', async () => {
    const original = fake.message({ channel: DM, user: ALICE, text: 'only once please' });
    await say(original, 'EvSAME').acked;
    await fake.socket.sendEvent(fake.eventCallback(original, 'EvSAME'), { retryAttempt: 1 }).acked;
    await reply(fake, DM, 'Mock response to: only once please');
    await say({
      type: 'message',
      subtype: 'message_changed',
      channel: DM,
      channel_type: 'im',
      ts: fake.api.nextTs(),
      message: { ...original, text: 'edited text', edited: { user: ALICE, ts: fake.api.nextTs() } },
      previous_message: original,
    }).acked;
    await reply(fake, DM, 'Mock response to: edited text');
    await sleep(300);
    expect(postedIn(fake, DM).filter((m) => m.text.includes('only once please'))).toHaveLength(1);
  });

  it('question card: the wrong user is told ephemerally, the asked user answers', async () => {
    const args = {
      title: 'Deploy',
      question: 'Ship it?',
      options: [{ label: 'Yes', value: 'yes' }],
      timeoutSeconds: 30,
    };
    const text = `deploy [[tool:ask_user_question ${JSON.stringify(args)}]]`;
    await say(fake.message({ channel: GROUP, user: ALICE, text, blocks: fake.mentionBlocks(text) })).acked;
    const card = await waitFor('the card', () => postedIn(fake, GROUP).find((m) => m.blocks));
    const button = JSON.stringify(card.blocks).match(/"action_id":"(q:[^"]+)"/)![1]!;
    const bob = fake.blockAction({
      user: BOB,
      channel: GROUP,
      messageTs: card.ts,
      actionId: button,
      value: 'yes',
    });
    expect(await fake.socket.sendInteractive(bob).acked).toBe(true);
    expect(fake.api.ephemerals.find((e) => e.user === BOB)?.text).toMatch(/someone else/);
    const alice = fake.blockAction({
      user: ALICE,
      channel: GROUP,
      messageTs: card.ts,
      actionId: button,
      value: 'yes',
      label: 'Yes',
    });
    expect(await fake.socket.sendInteractive(alice).acked).toBe(true);
    await reply(fake, GROUP, '[tool ask_user_question] yes');
    expect(fake.api.ephemerals.some((e) => e.user === ALICE)).toBe(false);
  });

  it('saves an inbound file into the session inbox', async () => {
    const file = fake.hostFile('numbers.txt', Buffer.from('quarterly numbers'), 'text/plain');
    await say(
      fake.message({ channel: DM, user: ALICE, text: 'see attached', subtype: 'file_share', files: [file] }),
    ).acked;
    await reply(fake, DM, 'see attached');
    const sessionsDir = dataLayout(dataDir).sessionsDir;
    const found = await waitFor('the file in the inbox', () =>
      fs
        .readdirSync(sessionsDir, { recursive: true, encoding: 'utf8' })
        .find((p) => p.endsWith('numbers.txt')),
    );
    expect(found.split(path.sep)).toContain('inbox');
    expect(fs.readFileSync(path.join(sessionsDir, found), 'utf8')).toBe('quarterly numbers');
  });

  it('reacts to a message by Slack name and uploads a file from the outbox', async () => {
    const session = host.db.first(
      host.db.q
        .selectFrom('sessions')
        .innerJoin('messaging_groups', 'messaging_groups.id', 'sessions.messaging_group_id')
        .select('sessions.id')
        .where('messaging_groups.platform_id', '=', DM),
    )!;
    const outbox = sessionPaths(dataLayout(dataDir), 'assistant', session.id).outbox;
    fs.writeFileSync(path.join(outbox, 'report.csv'), 'a,b\n1,2\n');
    const ts = fake.api.nextTs();
    const tools = `[[tool:add_reaction {"messageId":"${rowId(DM, ts)}","emoji":"👍"}]] [[tool:send_file {"path":"report.csv"}]]`;
    await say(fake.message({ channel: DM, user: ALICE, text: `react and send ${tools}`, ts })).acked;
    await waitFor('the reaction', () => fake.api.reactions.find((r) => r.timestamp === ts));
    expect(fake.api.reactions.find((r) => r.timestamp === ts)).toEqual({
      channel: DM,
      timestamp: ts,
      name: 'thumbsup',
    });
    const upload = await waitFor('the upload', () =>
      fake.api.uploads.find((u) => u.filename === 'report.csv'),
    );
    expect(upload).toMatchObject({ channel_id: DM });
    expect(upload.data.toString()).toBe('a,b\n1,2\n');
  });

  it('edits a message the agent sent, by its ts', async () => {
    await say(
      fake.message({
        channel: DM,
        user: ALICE,
        text: 'draft [[tool:send_message {"text":"progress: 10%"}]]',
      }),
    ).acked;
    const ack = await reply(fake, DM, '[tool send_message] Message sent');
    const outId = /\(id ([\w-]+)\)/.exec(ack.text)![1]!;
    const progress = postedIn(fake, DM).find((m) => m.text === 'progress: 10%')!;
    const edit = `[[tool:edit_message {"messageId":"${outId}","text":"progress: **done**"}]]`;
    await say(fake.message({ channel: DM, user: ALICE, text: `finish ${edit}` })).acked;
    await waitFor('the edited message', () => progress.text === 'progress: *done*');
    expect(fake.api.updates.at(-1)).toMatchObject({ channel: DM, ts: progress.ts });
  });

  it('opens a DM with conversations.open once, then from the cache', async () => {
    grantRole(host.db, { userId: `slack:${TEAM}:U0CAROL`, role: 'admin', displayName: 'carol' });
    const registry = new MapChannelRegistry([adapter]);
    const first = await ensureUserDm(host.db, registry, `slack:${TEAM}:U0CAROL`);
    expect(first).toMatchObject({ channel_type: 'slack', platform_id: 'D0CAROL' });
    const again = await ensureUserDm(host.db, registry, `slack:${TEAM}:U0CAROL`);
    expect(again!.id).toBe(first!.id);
    expect(fake.api.callsOf('conversations.open').filter((c) => c.args.users === 'U0CAROL')).toHaveLength(1);
  });

  it('waits out a 429 on posting and still delivers once', async () => {
    fake.api.rateLimit('chat.postMessage', 1, 1);
    await say(fake.message({ channel: DM, user: ALICE, text: 'rate limited reply' })).acked;
    await reply(fake, DM, 'Mock response to: rate limited reply');
    expect(postedIn(fake, DM).filter((m) => m.text.includes('rate limited reply'))).toHaveLength(1);
  });

  it('reconnects after a dropped socket and a disconnect message; a message after it is routed once', async () => {
    const before = fake.socket.connections;
    fake.socket.dropSocket();
    await fake.socket.waitForConnections(before + 1, 20_000);
    fake.socket.sendDisconnect('link_disabled');
    await fake.socket.waitForConnections(before + 2, 20_000);
    await say(fake.message({ channel: DM, user: ALICE, text: 'after reconnect' })).acked;
    await reply(fake, DM, 'Mock response to: after reconnect');
    await sleep(300);
    expect(postedIn(fake, DM).filter((m) => m.text.includes('after reconnect'))).toHaveLength(1);
  }, 60_000);

  it('drops malformed frames and payloads and keeps answering', async () => {
    fake.socket.sendRaw('{not json');
    fake.socket.sendRaw(JSON.stringify({ type: 'events_api', envelope_id: 'broken', payload: {} }));
    expect(await say({ type: 'message', channel: DM, user: ALICE, ts: 'yesterday' }).acked).toBe(true);
    await say(fake.message({ channel: DM, user: ALICE, text: 'after the garbage' })).acked;
    await reply(fake, DM, 'Mock response to: after the garbage');
  });
});

describe('slack channel through the host process (env configuration)', () => {
  it('Socket Mode from SLACK_BOT_TOKEN + SLACK_APP_TOKEN + SLACK_API_URL: answers and stops cleanly', async () => {
    const fake = await FakeSlack.start();
    people(fake);
    const dataDir = tempDir('nc-slackp-');
    withDb(dataDir, seed);
    const host = await startHostProcess({
      dataDir,
      env: {
        SLACK_BOT_TOKEN: fake.id.botToken,
        SLACK_APP_TOKEN: fake.id.appToken,
        SLACK_API_URL: fake.apiUrl,
      },
    });
    try {
      await fake.socket.waitForConnections(1);
      expect(
        await fake.socket.sendEvent(
          fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'from the process' })),
        ).acked,
      ).toBe(true);
      await reply(fake, DM, 'Mock response to: from the process');
      const output = host.output.join('\n');
      expect(output).not.toContain(fake.id.botToken);
      expect(output).not.toContain(fake.id.appToken);
      expect(await host.stop()).toBe(0);
    } finally {
      await host.kill();
      await fake.close();
    }
  });

  it('Events API mode: bad or stale signatures are 401 and route nothing; signed events are answered once', async () => {
    const fake = await FakeSlack.start();
    people(fake);
    const dataDir = tempDir('nc-slackw-');
    withDb(dataDir, seed);
    const port = await freePort();
    const host = await startHostProcess({
      dataDir,
      env: {
        SLACK_BOT_TOKEN: fake.id.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        NANOCLAW_WEBHOOK_PORT: String(port),
      },
    });
    const url = `http://127.0.0.1:${port}/webhooks/slack`;
    try {
      await host.waitForLog((l) => l.msg === 'slack channel started');
      expect(await signedPost(url, SECRET, { type: 'url_verification', challenge: 'c-123' })).toEqual({
        status: 200,
        text: JSON.stringify({ challenge: 'c-123' }),
      });
      const forged = fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'forged' }));
      expect((await signedPost(url, 'not-the-secret', forged)).status).toBe(401);
      const stale = fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'replayed' }));
      expect(
        (await signedPost(url, SECRET, stale, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status,
      ).toBe(401);
      expect((await signedPost(url, SECRET, '{"type":', {})).status).toBe(400);

      const event = fake.eventCallback(fake.message({ channel: DM, user: ALICE, text: 'pushed in' }));
      expect((await signedPost(url, SECRET, event)).status).toBe(200);
      expect((await signedPost(url, SECRET, event, { retryNum: 1 })).status).toBe(200);
      await reply(fake, DM, 'Mock response to: pushed in');
      await sleep(500);
      expect(postedIn(fake, DM).filter((m) => m.text.includes('pushed in'))).toHaveLength(1);
      expect(postedIn(fake, DM).some((m) => /forged|replayed/.test(m.text))).toBe(false);
      expect(fake.api.callsOf('apps.connections.open')).toHaveLength(0);
      expect(await host.stop()).toBe(0);
    } finally {
      await host.kill();
      await fake.close();
    }
  });
});
