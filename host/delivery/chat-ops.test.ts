import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOutboundForRunner, type OutboundDb } from '../../protocol/session-db.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import { upsertAgentGroup } from '../db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import { upsertWiring } from '../db/wirings.js';
import { insertInbound } from '../session/inbound-writer.js';
import { dataLayout } from '../session/layout.js';
import { SessionDbs } from '../session/session-dbs.js';
import { resolveSession } from '../session/session-store.js';
import { Delivery } from './delivery.js';

let dir: string;
let db: CentralDb;
let dbs: SessionDbs;
let delivery: Delivery;
let tg: RecordingAdapter;
let session: Session;
let outbound: OutboundDb;
let seq = 1;

function out(content: unknown): string {
  const id = `out-${seq}`;
  outbound.raw
    .prepare(`INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES (?, ?, 'chat', ?, ?)`)
    .run(id, seq, new Date().toISOString(), JSON.stringify(content));
  seq += 2;
  return id;
}

function status(id: string) {
  const inbound = dbs.of(session).inbound();
  return inbound.first(
    inbound.q.selectFrom('delivered').select(['status', 'error']).where('message_out_id', '=', id),
  );
}

function outboxFile(rel: string, data: string): void {
  const file = path.join(dbs.of(session).paths.outbox, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-chat-ops-'));
  db = openCentralDb(path.join(dir, 'nanoclaw.db'));
  upsertAgentGroup(db, { id: 'ag', name: 'Agent', folder: 'ag', provider: 'mock' });
  const mg = upsertMessagingGroup(db, { channelType: 'telegram', platformId: '42', name: 'DM' });
  upsertWiring(db, { messagingGroupId: mg.id, agentGroupId: 'ag' });
  session = resolveSession(db, {
    agentGroupId: 'ag',
    messagingGroupId: mg.id,
    threadId: null,
    mode: 'shared',
  }).session;
  dbs = new SessionDbs(db, dataLayout(dir));
  const handle = dbs.of(session);
  handle
    .inbound()
    .raw.prepare(
      `INSERT INTO session_routing (id, channel_type, platform_id, thread_id) VALUES (1, 'telegram', '42', NULL)`,
    )
    .run();
  insertInbound(handle.inbound(), null, {
    id: 'in-1',
    kind: 'chat',
    content: { text: 'hello', sender: 'telegram:7', platformMessageId: '900' },
    channelType: 'telegram',
    platformId: '42',
    threadId: null,
  });
  tg = new RecordingAdapter('telegram');
  delivery = new Delivery({
    db,
    dbs,
    channels: new MapChannelRegistry([tg]),
    log: pino({ level: 'silent' }),
    dataDir: dir,
    maxFileBytes: 64,
    retryDelaysMs: [5, 5],
    agents: {
      inbox: { deliverFromAgent: () => Promise.reject(new Error('no agents in this test')) },
      maxHops: 8,
    },
  });
  outbound = openOutboundForRunner(handle.paths.outboundDb);
  seq = 1;
});

afterEach(() => {
  delivery.close();
  outbound.close();
  dbs.closeAll();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drainUntilFinal(id: string) {
  for (let i = 0; i < 50 && !status(id); i++) {
    await delivery.drain(session.id);
    await settle(10);
  }
  return status(id);
}

describe('agent edits and reactions', () => {
  it('edits a delivered message by the platform id delivery recorded for it', async () => {
    const sent = out({ text: 'working…' });
    await delivery.drain(session.id);
    const edit = out({ op: 'edit', messageId: sent, text: 'done' });
    await delivery.drain(session.id);
    expect(tg.edits).toEqual([
      {
        to: { channelType: 'telegram', platformId: '42', threadId: null },
        platformMessageId: 'p1',
        text: 'done',
      },
    ]);
    expect(status(edit)).toEqual({ status: 'delivered', error: null });
  });

  it('reacts to a received message in the chat it came from', async () => {
    out({ op: 'reaction', messageId: 'in-1', emoji: '👍' });
    await delivery.drain(session.id);
    expect(tg.reactions).toEqual([
      {
        to: { channelType: 'telegram', platformId: '42', threadId: null },
        platformMessageId: '900',
        emoji: '👍',
      },
    ]);
  });

  it('fails an edit of a message that is not one of the agent’s delivered messages', async () => {
    const edit = out({ op: 'edit', messageId: 'in-1', text: 'rewrite what they said' });
    expect(await drainUntilFinal(edit)).toEqual({
      status: 'failed',
      error: expect.stringMatching(/no delivered message in-1/),
    });
    const ghost = out({ op: 'reaction', messageId: 'nope', emoji: '👍' });
    expect(await drainUntilFinal(ghost)).toEqual({
      status: 'failed',
      error: expect.stringMatching(/no message nope/),
    });
    expect(tg.edits).toEqual([]);
    expect(tg.reactions).toEqual([]);
  });

  it('never sends a malformed operation as a message', async () => {
    const bad = out({ op: 'edit', messageId: '', text: 'looks like text' });
    expect(await drainUntilFinal(bad)).toMatchObject({ status: 'failed' });
    expect(tg.sent).toEqual([]);
  });
});

describe('files an agent sends', () => {
  it('uploads a file from the outbox with the message and removes it once delivered', async () => {
    outboxFile('report.txt', 'numbers');
    out({ text: 'here', files: ['report.txt'] });
    await delivery.drain(session.id);
    expect(tg.sent[0]!.payload.files).toEqual([{ name: 'report.txt', data: Buffer.from('numbers') }]);
    expect(fs.existsSync(path.join(dbs.of(session).paths.outbox, 'report.txt'))).toBe(false);
  });

  it('refuses a symlink, a path out of the outbox and a file over the cap', async () => {
    const secret = path.join(dir, 'nanoclaw.db');
    fs.symlinkSync(secret, path.join(dbs.of(session).paths.outbox, 'db-link'));
    outboxFile('big.bin', 'x'.repeat(65));
    const cases = [
      out({ text: 'a', files: ['db-link'] }),
      out({ text: 'b', files: ['../inbound.db'] }),
      out({ text: 'c', files: ['big.bin'] }),
      out({ text: 'd', files: ['missing.txt'] }),
    ];
    const failed: string[] = [];
    delivery.on('failed', (_s, f) => failed.push(f.messageOutId));
    for (const id of cases) expect(await drainUntilFinal(id)).toMatchObject({ status: 'failed' });
    expect(tg.sent).toEqual([]);
    expect(failed).toEqual(cases);
    expect(status(cases[1]!)!.error).toMatch(/refused/);
  });
});
