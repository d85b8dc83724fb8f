import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isoNow,
  openInboundForHost,
  openOutboundForRunner,
  type InboundDb,
  type OutboundDb,
} from '../../../protocol/session-db.js';
import { InboundReader } from '../inbound-reader.js';
import { OutboundWriter } from '../outbound-writer.js';
import { WakeSignal } from '../wake-signal.js';
import { ToolRunner, TOOLS } from './registry.js';

let dir: string;
let host: InboundDb;
let outDb: OutboundDb;
let reader: InboundReader;
let tools: ToolRunner;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-tools-'));
  host = openInboundForHost(path.join(dir, 'inbound.db'));
  outDb = openOutboundForRunner(path.join(dir, 'outbound.db'));
  reader = (await InboundReader.open(path.join(dir, 'inbound.db'), path.join(dir, 'outbound.db'), {
    pollMs: 10,
    timeoutMs: 1000,
  }))!;
  tools = new ToolRunner({
    inbound: reader,
    outbound: new OutboundWriter(outDb, () => reader.maxSeq()),
    turn: { replyTo: { channelType: 'web', platformId: 'c1', threadId: null }, inReplyTo: 'm2' },
    inboundSignal: new WakeSignal(),
    outboxDir: path.join(dir, 'outbox'),
    pollIntervalMs: 20,
    signal: new AbortController().signal,
    log: pino({ level: 'silent' }),
  });
});
afterEach(() => {
  reader.close();
  host.close();
  outDb.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const outRows = () =>
  outDb.raw
    .prepare('SELECT kind, channel_type, platform_id, in_reply_to, content FROM messages_out ORDER BY seq')
    .all() as {
    kind: string;
    channel_type: string | null;
    platform_id: string | null;
    in_reply_to: string | null;
    content: string;
  }[];

function addTask(id: string, status: string, seq: number): void {
  host.raw
    .prepare(
      `INSERT INTO messages_in (id, seq, kind, timestamp, status, process_after, series_id, content)
       VALUES (?, ?, 'task', ?, ?, '2030-01-01T00:00:00.000Z', ?, ?)`,
    )
    .run(id, seq, isoNow(), status, id, JSON.stringify({ prompt: `do ${id}` }));
}

describe('tool input validation', () => {
  it('lists the fifteen tools', () => {
    expect(TOOLS.map((t) => t.name)).toEqual([
      'send_message',
      'send_file',
      'edit_message',
      'add_reaction',
      'schedule_task',
      'list_tasks',
      'update_task',
      'cancel_task',
      'pause_task',
      'resume_task',
      'ask_user_question',
      'create_agent',
      'add_mcp_server',
      'add_egress_host',
      'install_packages',
    ]);
  });

  it.each([
    ['send_message', {}, /text/],
    ['send_message', { text: '' }, /text/],
    ['send_message', { text: 'x', extra: 1 }, /extra/],
    ['schedule_task', { prompt: 'p', processAfter: 'tomorrow' }, /processAfter/],
    ['schedule_task', { prompt: 'p', processAfter: '2030-01-01T00:00:00' }, /processAfter/],
    [
      'schedule_task',
      { prompt: 'p', processAfter: '2030-01-01T00:00:00Z', recurrence: 'every day' },
      /cron/i,
    ],
    ['update_task', { taskId: 't' }, /Nothing to update/],
    ['cancel_task', {}, /taskId/],
    ['list_tasks', { status: 'done' }, /status/],
    ['ask_user_question', { title: 't', question: 'q', options: [] }, /options/],
    [
      'ask_user_question',
      {
        title: 't',
        question: 'q',
        options: [
          { label: 'a', value: 'v' },
          { label: 'b', value: 'v' },
        ],
      },
      /unique/,
    ],
    ['nope', {}, /Unknown tool "nope"/],
  ])('%s %j is refused with a clear error', async (name, input, message) => {
    const r = await tools.call(name, input);
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(message);
    expect(outRows()).toEqual([]);
  });
});

describe('tools', () => {
  it('send_message without "to" replies in the current conversation', async () => {
    const r = await tools.call('send_message', { text: 'hi' });
    expect(r.isError).toBe(false);
    expect(outRows()).toEqual([
      { kind: 'chat', channel_type: 'web', platform_id: 'c1', in_reply_to: 'm2', content: '{"text":"hi"}' },
    ]);
  });

  it('send_message resolves names through destinations, keeps the answered message for agents and lists names when unknown', async () => {
    host.raw
      .prepare(
        `INSERT INTO destinations (name, type, channel_type, platform_id, agent_group_id) VALUES
         ('ops', 'channel', 'telegram', 'tg-9', NULL), ('helper', 'agent', NULL, NULL, 'ag-2')`,
      )
      .run();
    expect((await tools.call('send_message', { to: 'ops', text: 'a' })).isError).toBe(false);
    expect((await tools.call('send_message', { to: 'helper', text: 'b' })).isError).toBe(false);
    const bad = await tools.call('send_message', { to: 'nobody', text: 'c' });
    expect(bad).toEqual({
      isError: true,
      text:
        'Unknown destination "nobody". Known destinations: helper, ops. Nothing was sent. Another agent can be ' +
        'reached only when your agent group declares it as a peer.',
    });
    // A message to an agent names the message the turn answers (the host counts hops by it); to a chat it does not.
    expect(outRows().map((r) => [r.channel_type, r.platform_id, r.in_reply_to])).toEqual([
      ['telegram', 'tg-9', null],
      ['agent', 'ag-2', 'm2'],
    ]);
  });

  it('schedule_task writes a schedule_task action in UTC and returns its id', async () => {
    const r = await tools.call('schedule_task', {
      prompt: 'ping',
      processAfter: '2030-01-01T10:00:00+01:00',
      recurrence: '*/5 * * * *',
    });
    const taskId = /task-[a-z0-9]+-[0-9a-f]+/.exec(r.text)?.[0];
    expect(taskId).toBeDefined();
    expect(outRows().map((x) => [x.kind, JSON.parse(x.content) as unknown])).toEqual([
      [
        'system',
        {
          action: 'schedule_task',
          taskId,
          prompt: 'ping',
          processAfter: '2030-01-01T09:00:00.000Z',
          recurrence: '*/5 * * * *',
        },
      ],
    ]);
    // Not yet applied by the host, but already known to this runner.
    expect((await tools.call('pause_task', { taskId })).isError).toBe(false);
  });

  it('list_tasks shows the newest row of each live series', async () => {
    addTask('t1', 'pending', 2);
    addTask('t2', 'paused', 4);
    addTask('t3', 'completed', 6);
    const all = JSON.parse((await tools.call('list_tasks', {})).text) as { taskId: string; status: string }[];
    expect(all.map((t) => [t.taskId, t.status])).toEqual([
      ['t1', 'pending'],
      ['t2', 'paused'],
    ]);
    expect((await tools.call('list_tasks', { status: 'paused' })).text).toContain('t2');
    expect((await tools.call('list_tasks', { status: 'paused' })).text).not.toContain('t1');
  });

  it('task mutations refuse unknown and finished tasks and clear with "" or null', async () => {
    addTask('t1', 'pending', 2);
    addTask('t3', 'completed', 4);
    expect((await tools.call('cancel_task', { taskId: 'zz' })).text).toMatch(/Unknown task "zz"/);
    expect((await tools.call('resume_task', { taskId: 't3' })).text).toMatch(/already finished/);
    expect((await tools.call('update_task', { taskId: 't1', recurrence: '', script: null })).isError).toBe(
      false,
    );
    expect(JSON.parse(outRows()[0]!.content)).toEqual({
      action: 'update_task',
      taskId: 't1',
      recurrence: null,
      script: null,
    });
  });

  it('ask_user_question times out with a tool error after showing the card', async () => {
    const r = await tools.call('ask_user_question', {
      title: 'Pick',
      question: 'Which?',
      options: [{ label: 'A', value: 'a' }],
      timeoutSeconds: 1,
    });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/No answer to question q-.* within 1 s/);
    expect(JSON.parse(outRows()[0]!.content)).toMatchObject({ text: 'Which?', question: { title: 'Pick' } });
  });
});
