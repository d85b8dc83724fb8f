/**
 * The Slack channel end to end: the real host (in-process over Socket Mode, and the `nanoclaw host` process
 * configured from SLACK_* env in Socket Mode and in Events API mode) with the mock agent, talking through Bolt and
 * the Web API client to the fake Slack in test/fakes/slack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../host/access/roles.js';
import { ensureUserDm } from '../../host/access/user-dm.js';
import { MapChannelRegistry } from '../../host/channels/adapter.js';
import { channelInstances } from '../../host/channels/channel-instance.js';
import { createSlackAdapter, type SlackAdapter } from '../../host/channels/slack/slack-adapter.js';
import { loadConfig } from '../../host/config.js';
import { startHost, type RunningHost } from '../../host/host.js';
import { dataLayout, sessionPaths } from '../../host/session/layout.js';
import { FakeSlack } from '../fakes/slack/fake-slack.js';
import { tempDir } from '../support/host-process.js';
import { withDb } from '../support/seed.js';

import {
  TEAM,
  ALICE,
  BOB,
  DM,
  GROUP,
  THREADS,
  log,
  sleep,
  seed,
  waitFor,
  postedIn,
  reply,
  rowId,
  people,
} from '../support/slack-scenario.js';

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
