/**
 * Delivery of rows addressed to agents, on real session DB files (no runner: this test writes outbound.db the way
 * a runner would and drains it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOutboundForRunner, type OutboundDb } from '../../protocol/session-db.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import { upsertAgentGroup } from '../db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../db/central-db.js';
import { ensureAgentDestination } from '../db/destinations.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import { dataLayout } from '../session/layout.js';
import { InboundFiles } from '../session/inbound-files.js';
import { SessionDbs } from '../session/session-dbs.js';
import { SessionManager } from '../session/session-manager.js';
import { resolveSession } from '../session/session-store.js';
import { Delivery } from './delivery.js';

let dir: string;
let db: CentralDb;
let dbs: SessionDbs;
let delivery: Delivery;
let asking: Session;
let outbound: OutboundDb;
let seq = 1;
const woken: string[] = [];

function out(content: unknown, platformId = 'b', inReplyTo: string | null = null): string {
  const id = `out-${seq}`;
  outbound.raw
    .prepare(
      `INSERT INTO messages_out (id, seq, in_reply_to, kind, timestamp, channel_type, platform_id, content)
       VALUES (?, ?, ?, 'chat', ?, 'agent', ?, ?)`,
    )
    .run(id, seq, inReplyTo, new Date().toISOString(), platformId, JSON.stringify(content));
  seq += 2;
  return id;
}

function outcome(id: string) {
  const inbound = dbs.of(asking).inbound();
  return inbound.first(
    inbound.q.selectFrom('delivered').select(['status', 'error']).where('message_out_id', '=', id),
  );
}

function peerSessions(): Session[] {
  return db.all(db.q.selectFrom('sessions').selectAll().where('peer_session_id', 'is not', null));
}

function rowsIn(s: Session) {
  const inbound = dbs.of(s).inbound();
  return inbound.all(
    inbound.q
      .selectFrom('messages_in')
      .select(['id', 'channel_type', 'platform_id', 'content'])
      .orderBy('seq'),
  );
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-agent-route-'));
  db = openCentralDb(path.join(dir, 'nanoclaw.db'));
  upsertAgentGroup(db, { id: 'a', name: 'Alpha', folder: 'a' });
  upsertAgentGroup(db, { id: 'b', name: 'Beta', folder: 'b' });
  ensureAgentDestination(db, 'a', 'b', 'beta');
  const chat = upsertMessagingGroup(db, { channelType: 'web', platformId: 'main', name: 'Main' });
  asking = resolveSession(db, {
    agentGroupId: 'a',
    messagingGroupId: chat.id,
    threadId: null,
    mode: 'shared',
  }).session;
  dbs = new SessionDbs(db, dataLayout(dir));
  const log = pino({ level: 'silent' });
  woken.length = 0;
  const sessions = new SessionManager(
    db,
    dbs,
    { wake: (s) => Promise.resolve(void woken.push(s.id)) },
    log,
    new InboundFiles(dir, 1024, log),
  );
  delivery = new Delivery({
    db,
    dbs,
    dataDir: dir,
    maxFileBytes: 1024,
    channels: new MapChannelRegistry([]),
    log,
    retryDelaysMs: [20, 20],
    agents: { inbox: sessions, maxHops: 3 },
  });
  sessions.refreshContext(dbs.of(asking));
  outbound = openOutboundForRunner(dbs.of(asking).paths.outboundDb);
  seq = 1;
});

afterEach(() => {
  delivery.close();
  outbound.close();
  dbs.closeAll();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('delivery to an agent', () => {
  it('writes the message once into the peer session, addressed back to the asking agent, and wakes it', async () => {
    const id = out({ text: 'hello' });
    await delivery.drain(asking.id);
    await delivery.drain(asking.id);
    expect(outcome(id)).toEqual({ status: 'delivered', error: null });
    const [peer] = peerSessions();
    expect(peer).toMatchObject({ agent_group_id: 'b', peer_session_id: asking.id, messaging_group_id: null });
    const rows = rowsIn(peer!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel_type: 'agent', platform_id: 'a' });
    expect(JSON.parse(rows[0]!.content)).toEqual({
      text: 'hello',
      sender: null,
      senderName: 'Alpha',
      isMention: true,
      senderIsAdmin: false,
      fromAgent: { agentGroupId: 'a', name: 'Alpha', hops: 1 },
    });
    expect(woken).toEqual([peer!.id]);
    // The peer session's default reply address is the asking agent too.
    const routing = dbs
      .of(peer!)
      .inbound()
      .first(dbs.of(peer!).inbound().q.selectFrom('session_routing').selectAll());
    expect(routing).toMatchObject({ channel_type: 'agent', platform_id: 'a', thread_id: null });
  });

  it('keeps one peer session per asking session: a second message joins the same conversation', async () => {
    out({ text: 'one' });
    out({ text: 'two' });
    await delivery.drain(asking.id);
    expect(peerSessions()).toHaveLength(1);
    expect(rowsIn(peerSessions()[0]!).map((r) => (JSON.parse(r.content) as { text: string }).text)).toEqual([
      'one',
      'two',
    ]);
  });

  it('copies the files of a message into the target session inbox and removes them from the sender outbox', async () => {
    const outboxDir = dbs.of(asking).paths.outbox;
    fs.mkdirSync(path.join(outboxDir, 'charts'), { recursive: true });
    fs.writeFileSync(path.join(outboxDir, 'charts', 'q3.csv'), 'a,b\n1,2\n');
    const id = out({ text: 'the numbers', files: ['charts/q3.csv'] });
    await delivery.drain(asking.id);
    expect(outcome(id)).toMatchObject({ status: 'delivered' });
    const peer = peerSessions()[0]!;
    const [row] = rowsIn(peer);
    const content = JSON.parse(row!.content) as {
      text: string;
      attachments: { path: string; name: string }[];
    };
    expect(content.text).toBe('the numbers');
    expect(content.attachments).toEqual([expect.objectContaining({ name: 'q3.csv', size: 8 })]);
    const copied = path.join(dbs.of(peer).paths.root, content.attachments[0]!.path);
    expect(fs.readFileSync(copied, 'utf8')).toBe('a,b\n1,2\n');
    expect(fs.existsSync(path.join(outboxDir, 'charts', 'q3.csv'))).toBe(false);
  });

  it('fails a message whose file is missing or over the size limit, and writes nothing', async () => {
    const outboxDir = dbs.of(asking).paths.outbox;
    fs.mkdirSync(outboxDir, { recursive: true });
    fs.writeFileSync(path.join(outboxDir, 'big.bin'), Buffer.alloc(2048));
    const missing = out({ text: 'see file', files: ['gone.txt'] });
    const big = out({ text: 'see file', files: ['big.bin'] });
    await delivery.drain(asking.id);
    await new Promise((r) => setTimeout(r, 200));
    await delivery.drain(asking.id);
    expect(outcome(missing)).toMatchObject({ status: 'failed', error: expect.stringMatching(/gone.txt/) });
    expect(outcome(big)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/larger than 1024/),
    });
    expect(peerSessions()).toEqual([]);
  });

  it.each([
    [
      {
        text: 'a card',
        question: { questionId: 'q1', title: 'Pick', options: [{ label: 'A', value: 'a' }] },
      },
      /question cards/,
    ],
    [{ op: 'reaction', messageId: 'm1', emoji: '👍' }, /edits and reactions/],
  ])('fails %j at once, without retries, and writes nothing', async (content, error) => {
    const id = out(content);
    await delivery.drain(asking.id);
    expect(outcome(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(error) });
    expect(peerSessions()).toEqual([]);
  });

  it('refuses an agent group that does not exist and records it', async () => {
    const id = out({ text: 'anyone?' }, 'ghost');
    await delivery.drain(asking.id);
    expect(outcome(id)).toEqual({ status: 'failed', error: 'no agent group ghost' });
    expect(db.all(db.q.selectFrom('dropped_messages').select(['platform_id', 'user_id', 'reason']))).toEqual([
      { platform_id: 'ghost', user_id: 'a', reason: 'a2a_unknown_agent' },
    ]);
  });

  it('counts hops from the message the row answers, as the host wrote it', async () => {
    const inbound = dbs.of(asking).inbound();
    inbound.raw
      .prepare(
        `INSERT INTO messages_in (id, seq, kind, timestamp, content) VALUES ('from-b', 2, 'chat', ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        JSON.stringify({ text: 'hi', sender: null, fromAgent: { agentGroupId: 'b', name: 'Beta', hops: 3 } }),
      );
    inbound.raw
      .prepare(
        `INSERT INTO messages_in (id, seq, kind, timestamp, content) VALUES ('person', 4, 'chat', ?, ?)`,
      )
      .run(new Date().toISOString(), JSON.stringify({ text: 'hi', sender: 'web:local' }));
    seq = 5;
    const tooFar = out({ text: 'again' }, 'b', 'from-b');
    const fresh = out({ text: 'new question' }, 'b', 'person');
    await delivery.drain(asking.id);
    expect(outcome(tooFar)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/hop 4 of at most 3/),
    });
    expect(outcome(fresh)).toEqual({ status: 'delivered', error: null });
  });
});
