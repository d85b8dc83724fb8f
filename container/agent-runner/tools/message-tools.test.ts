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
import { ToolRunner } from './registry.js';

let dir: string;
let outbox: string;
let host: InboundDb;
let outDb: OutboundDb;
let reader: InboundReader;
let tools: ToolRunner;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-msg-tools-'));
  outbox = path.join(dir, 'outbox');
  host = openInboundForHost(path.join(dir, 'inbound.db'));
  host.raw
    .prepare(
      `INSERT INTO messages_in (id, seq, kind, timestamp, status, content) VALUES ('m2', 2, 'chat', ?, 'pending', ?)`,
    )
    .run(isoNow(), JSON.stringify({ text: 'hi', sender: 'telegram:7', platformMessageId: '900' }));
  outDb = openOutboundForRunner(path.join(dir, 'outbound.db'));
  reader = (await InboundReader.open(path.join(dir, 'inbound.db'), path.join(dir, 'outbound.db'), {
    pollMs: 10,
    timeoutMs: 1000,
  }))!;
  tools = new ToolRunner({
    inbound: reader,
    outbound: new OutboundWriter(outDb, () => reader.maxSeq()),
    turn: { replyTo: { channelType: 'telegram', platformId: '42', threadId: null }, inReplyTo: 'm2' },
    inboundSignal: new WakeSignal(),
    outboxDir: outbox,
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

const contents = () =>
  (outDb.raw.prepare('SELECT content FROM messages_out ORDER BY seq').all() as { content: string }[]).map(
    (r) => JSON.parse(r.content) as unknown,
  );

describe('edit_message and add_reaction', () => {
  it('edits a message the agent sent', async () => {
    const sent = await tools.call('send_message', { text: 'working…' });
    const id = /id (out-[^)]+)\)/.exec(sent.text)![1]!;
    expect(await tools.call('edit_message', { messageId: id, text: 'done' })).toEqual({
      isError: false,
      text: `Edit of ${id} queued.`,
    });
    expect(contents()[1]).toEqual({ op: 'edit', messageId: id, text: 'done' });
  });

  it('refuses to edit a message the agent did not send', async () => {
    const r = await tools.call('edit_message', { messageId: 'm2', text: 'rewritten' });
    expect(r).toEqual({ isError: true, text: 'No message you sent has id m2.' });
    expect(contents()).toEqual([]);
  });

  it('reacts to a message of the conversation and refuses unknown ids', async () => {
    expect((await tools.call('add_reaction', { messageId: 'm2', emoji: '👍' })).isError).toBe(false);
    expect((await tools.call('add_reaction', { messageId: 'elsewhere', emoji: '👍' })).isError).toBe(true);
    expect(contents()).toEqual([{ op: 'reaction', messageId: 'm2', emoji: '👍' }]);
  });
});

describe('send_file', () => {
  it('sends a file from the outbox, named relative to it', async () => {
    fs.mkdirSync(path.join(outbox, 'charts'), { recursive: true });
    fs.writeFileSync(path.join(outbox, 'charts', 'q3.png'), 'png');
    const r = await tools.call('send_file', { path: path.join(outbox, 'charts', 'q3.png'), text: 'Q3' });
    expect(r.isError).toBe(false);
    expect(contents()).toEqual([{ text: 'Q3', files: ['charts/q3.png'] }]);
  });

  it('sends a file to another agent named in the destinations, keeping the message it answers', async () => {
    host.raw
      .prepare(
        `INSERT INTO destinations (name, type, agent_group_id) VALUES ('research', 'agent', 'research')`,
      )
      .run();
    fs.mkdirSync(outbox, { recursive: true });
    fs.writeFileSync(path.join(outbox, 'notes.txt'), 'notes');
    expect((await tools.call('send_file', { path: 'notes.txt', to: 'research' })).text).toMatch(
      /^File notes.txt sent to research/,
    );
    const r = await tools.call('send_file', { path: 'notes.txt', to: 'vault' });
    expect(r).toMatchObject({
      isError: true,
      text: expect.stringContaining('Unknown destination "vault"') as string,
    });
    const rows = outDb.raw.prepare('SELECT channel_type, platform_id, in_reply_to FROM messages_out').all();
    expect(rows).toEqual([{ channel_type: 'agent', platform_id: 'research', in_reply_to: 'm2' }]);
  });

  it('refuses files outside the outbox, symlinks and directories', async () => {
    fs.mkdirSync(outbox, { recursive: true });
    fs.symlinkSync(path.join(dir, 'inbound.db'), path.join(outbox, 'link'));
    fs.mkdirSync(path.join(outbox, 'sub'));
    for (const [p, msg] of [
      [path.join(dir, 'inbound.db'), /outside/],
      ['../inbound.db', /outside/],
      ['link', /symbolic link/],
      ['sub', /not a regular file/],
      ['nothing.txt', /No file/],
    ] as const) {
      const r = await tools.call('send_file', { path: p });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(msg);
    }
    expect(contents()).toEqual([]);
  });
});
