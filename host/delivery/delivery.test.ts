import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SystemAction } from '../../protocol/messages.js';
import { openOutboundForRunner, type OutboundDb } from '../../protocol/session-db.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import { upsertAgentGroup } from '../db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import { upsertWiring } from '../db/wirings.js';
import { dataLayout } from '../session/layout.js';
import { SessionDbs } from '../session/session-dbs.js';
import { InboundFiles } from '../session/inbound-files.js';
import { SessionManager } from '../session/session-manager.js';
import { resolveSession } from '../session/session-store.js';
import { Delivery } from './delivery.js';

let dir: string;
let db: CentralDb;
let dbs: SessionDbs;
let sessions: SessionManager;
let delivery: Delivery;
let web: RecordingAdapter;
let session: Session;
let outbound: OutboundDb;
let seq = 1;
const scheduled: string[] = [];

function out(row: {
  kind?: 'chat' | 'system';
  content: unknown;
  channel?: string;
  platformId?: string;
  after?: string;
}) {
  const id = `out-${seq}`;
  outbound.raw
    .prepare(
      `INSERT INTO messages_out (id, seq, kind, timestamp, deliver_after, channel_type, platform_id, content)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      seq,
      row.kind ?? 'chat',
      new Date().toISOString(),
      row.after ?? null,
      row.channel ?? null,
      row.platformId ?? null,
      JSON.stringify(row.content),
    );
  seq += 2;
  return id;
}

function deliveredRows() {
  const inbound = dbs.of(session).inbound();
  return inbound.all(
    inbound.q.selectFrom('delivered').select(['message_out_id', 'status', 'error']).orderBy('message_out_id'),
  );
}

function tasks() {
  const inbound = dbs.of(session).inbound();
  return inbound.all(
    inbound.q
      .selectFrom('messages_in')
      .select(['id', 'status', 'recurrence', 'process_after', 'series_id', 'content'])
      .where('kind', '=', 'task'),
  );
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-delivery-'));
  db = openCentralDb(path.join(dir, 'nanoclaw.db'));
  upsertAgentGroup(db, { id: 'ag', name: 'A', folder: 'ag' });
  const origin = upsertMessagingGroup(db, { channelType: 'web', platformId: 'main', name: 'Main' });
  upsertMessagingGroup(db, { channelType: 'web', platformId: 'ops', name: 'Ops' });
  upsertWiring(db, { messagingGroupId: origin.id, agentGroupId: 'ag' });
  session = resolveSession(db, {
    agentGroupId: 'ag',
    messagingGroupId: origin.id,
    threadId: null,
    mode: 'shared',
  }).session;
  dbs = new SessionDbs(db, dataLayout(dir));
  const log = pino({ level: 'silent' });
  sessions = new SessionManager(
    db,
    dbs,
    { wake: () => Promise.resolve() },
    log,
    new InboundFiles(dir, 1024 * 1024, log),
  );
  sessions.refreshContext(dbs.of(session));
  web = new RecordingAdapter('web');
  scheduled.length = 0;
  delivery = new Delivery({
    db,
    dbs,
    dataDir: dir,
    maxFileBytes: 1024 * 1024,
    channels: new MapChannelRegistry([web]),
    log,
    timezone: 'UTC',
    retryDelaysMs: [20, 20],
    agents: { inbox: sessions, maxHops: 8 },
  });
  delivery.on('scheduleChanged', (s) => scheduled.push(s.id));
  outbound = openOutboundForRunner(dbs.of(session).paths.outboundDb);
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

describe('delivery', () => {
  it('never re-sends a runner’s old replies after inbound.db was re-created, and sends the new ones', async () => {
    out({ content: { text: 'sent before' } });
    await delivery.drain(session.id);
    expect(web.sent).toHaveLength(1);
    // Someone deletes inbound.db (and its journal); the host re-creates it on its next look.
    dbs.closeAll();
    delivery.forget(session.id);
    for (const f of fs.readdirSync(dbs.of(session).paths.root))
      if (f.startsWith('inbound.db')) fs.rmSync(path.join(dbs.of(session).paths.root, f));
    sessions.refreshContext(dbs.of(session));
    await delivery.drain(session.id);
    expect(web.sent).toHaveLength(1);
    expect(deliveredRows()).toEqual([
      {
        message_out_id: 'out-1',
        status: 'failed',
        error: expect.stringMatching(/^inbound.db was re-created/),
      },
    ]);
    out({ content: { text: 'written after' } });
    await delivery.drain(session.id);
    expect(web.sent.map((m) => m.payload.text)).toEqual(['sent before', 'written after']);
  });

  it('sends a reply to the session chat, naming its agent group and outbound row, and records it delivered', async () => {
    const id = out({ content: { text: 'hi there' } });
    await delivery.drain(session.id);
    expect(web.sent).toEqual([
      {
        to: { channelType: 'web', platformId: 'main', threadId: null },
        payload: {
          text: 'hi there',
          inReplyTo: null,
          author: { kind: 'agent', agentGroupId: 'ag', name: 'A' },
          sourceId: `${session.id}/${id}`,
        },
      },
    ]);
    expect(deliveredRows()).toEqual([{ message_out_id: id, status: 'delivered', error: null }]);
    await delivery.drain(session.id);
    expect(web.sent).toHaveLength(1);
  });

  it('refuses a chat that is not a destination and ends it failed, never delivered', async () => {
    const id = out({ content: { text: 'leak' }, channel: 'web', platformId: 'ops' });
    await delivery.drain(session.id);
    await settle(120);
    await delivery.drain(session.id);
    expect(web.sent).toEqual([]);
    expect(deliveredRows()).toEqual([
      {
        message_out_id: id,
        status: 'failed',
        error: expect.stringMatching(/unauthorized channel destination/),
      },
    ]);
  });

  it('delivers to another chat once it is a destination of the agent', async () => {
    const ops = db.first(db.q.selectFrom('messaging_groups').selectAll().where('platform_id', '=', 'ops'))!;
    upsertWiring(db, { messagingGroupId: ops.id, agentGroupId: 'ag' });
    out({ content: { text: 'to ops' }, channel: 'web', platformId: 'ops' });
    await delivery.drain(session.id);
    expect(web.sent.map((s) => s.to.platformId)).toEqual(['ops']);
  });

  it('retries a failing send and succeeds within the attempt budget', async () => {
    web.failNext = 2;
    const id = out({ content: { text: 'flaky' } });
    await delivery.drain(session.id);
    await settle(150);
    expect(web.sent).toHaveLength(1);
    expect(deliveredRows()).toEqual([{ message_out_id: id, status: 'delivered', error: null }]);
  });

  it('holds a message until deliver_after', async () => {
    out({ content: { text: 'later' }, after: new Date(Date.now() + 80).toISOString() });
    out({ content: { text: 'now' } });
    await delivery.drain(session.id);
    expect(web.sent.map((s) => s.payload.text)).toEqual(['now']);
    await settle(200);
    expect(web.sent.map((s) => s.payload.text)).toEqual(['now', 'later']);
  });

  it('records question cards as pending questions', async () => {
    out({
      content: {
        text: 'Pick one',
        question: { questionId: 'q1', title: 'Pick', options: [{ label: 'A', value: 'a' }] },
      },
    });
    await delivery.drain(session.id);
    expect(web.sent[0]!.payload.question).toMatchObject({ questionId: 'q1', question: 'Pick one' });
    expect(db.all(db.q.selectFrom('pending_questions').select('question_id'))).toEqual([
      { question_id: 'q1' },
    ]);
  });
});

describe('system actions', () => {
  const at = '2030-01-01T10:00:00.000Z';
  const act = (a: SystemAction) => out({ kind: 'system', content: a });

  it('schedules, pauses, resumes and cancels a task', async () => {
    act({ action: 'schedule_task', taskId: 't1', prompt: 'ping', processAfter: at, recurrence: '0 * * * *' });
    await delivery.drain(session.id);
    expect(tasks()).toEqual([
      expect.objectContaining({
        id: 't1',
        status: 'pending',
        process_after: at,
        recurrence: '0 * * * *',
        series_id: 't1',
      }),
    ]);
    expect(scheduled).toContain(session.id);
    act({ action: 'pause_task', taskId: 't1' });
    await delivery.drain(session.id);
    expect(tasks()[0]!.status).toBe('paused');
    act({ action: 'resume_task', taskId: 't1' });
    await delivery.drain(session.id);
    expect(tasks()[0]!.status).toBe('pending');
    act({ action: 'update_task', taskId: 't1', prompt: 'pong', recurrence: null });
    await delivery.drain(session.id);
    expect(tasks()[0]).toMatchObject({ recurrence: null, content: JSON.stringify({ prompt: 'pong' }) });
    act({ action: 'cancel_task', taskId: 't1' });
    await delivery.drain(session.id);
    expect(tasks()[0]!.status).toBe('completed');
    expect(deliveredRows().every((r) => r.status === 'delivered')).toBe(true);
  });

  it('fails an action on a task that does not exist, and a bad cron', async () => {
    const missing = act({ action: 'cancel_task', taskId: 'nope' });
    const badCron = act({
      action: 'schedule_task',
      taskId: 't2',
      prompt: 'x',
      processAfter: at,
      recurrence: 'every day',
    });
    await delivery.drain(session.id);
    await settle(120);
    await delivery.drain(session.id);
    const rows = deliveredRows();
    expect(rows.find((r) => r.message_out_id === missing)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/no pending/),
    });
    expect(rows.find((r) => r.message_out_id === badCron)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/cron/),
    });
    expect(tasks()).toEqual([]);
  });

  it('schedules the next occurrence when a recurring task completes', async () => {
    act({ action: 'schedule_task', taskId: 't1', prompt: 'ping', processAfter: at, recurrence: '0 * * * *' });
    await delivery.drain(session.id);
    outbound.raw
      .prepare(
        `INSERT INTO processing_ack (message_id, status, status_changed) VALUES ('t1', 'completed', ?)`,
      )
      .run(new Date().toISOString());
    await delivery.drain(session.id);
    const all = tasks();
    expect(all).toHaveLength(2);
    expect(all.find((t) => t.id === 't1')).toMatchObject({ status: 'completed', recurrence: null });
    expect(all.find((t) => t.id !== 't1')).toMatchObject({
      status: 'pending',
      series_id: 't1',
      recurrence: '0 * * * *',
      process_after: '2030-01-01T11:00:00.000Z',
    });
  });
});

describe('an outbound.db the runner tampered with', () => {
  function tamper(sql: string): void {
    outbound.raw.pragma('ignore_check_constraints = ON');
    outbound.raw.exec(sql);
    outbound.raw.pragma('ignore_check_constraints = OFF');
  }

  it('fails a giant or malformed row at once with its reason and delivers the rows around it', async () => {
    const before = out({ content: { text: 'before' } });
    const giant = out({ content: { text: 'x'.repeat(2 * 1024 * 1024) } });
    tamper(
      `INSERT INTO messages_out (id, seq, kind, timestamp, content) VALUES ('bad', ${seq}, 'chat', 't', 'not json')`,
    );
    seq += 2;
    const after = out({ content: { text: 'after' } });
    await delivery.drain(session.id);
    expect(web.sent.map((s) => s.payload.text)).toEqual(['before', 'after']);
    expect(deliveredRows()).toEqual([
      { message_out_id: 'bad', status: 'failed', error: 'content is not JSON' },
      { message_out_id: before, status: 'delivered', error: null },
      {
        message_out_id: giant,
        status: 'failed',
        error: expect.stringMatching(/exceeds the limit/) as string,
      },
      { message_out_id: after, status: 'delivered', error: null },
    ]);
  });

  it('is not read at all when its schema is not the protocol one; the drain reports the session and returns', async () => {
    out({ content: { text: 'never sent' } });
    tamper(`CREATE TRIGGER t AFTER INSERT ON messages_out BEGIN SELECT 1; END`);
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const d = new Delivery({
      db,
      dbs,
      channels: new MapChannelRegistry([web]),
      log,
      dataDir: dir,
      maxFileBytes: 1024,
      agents: { inbox: sessions, maxHops: 8 },
    });
    await d.drain(session.id);
    d.close();
    expect(web.sent).toEqual([]);
    expect(deliveredRows()).toEqual([]);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { sessionId: session.id, err: 'outbound.db refused: unexpected trigger t' },
    ]);
  });
});
