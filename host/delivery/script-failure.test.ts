import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInboundForHost, type InboundDb } from '../../protocol/session-db.js';
import { insertInbound } from '../session/inbound-writer.js';
import type { HostMessageInput } from './host-outbox.js';
import { applyScriptFailure, handleScriptFailure } from './script-failure.js';
import { applySystemAction } from './system-actions.js';

let dir: string;
let inbound: InboundDb;
const policy = { baseMs: 30_000, maxFailures: 3 };
const NOW = Date.parse('2030-01-01T10:00:00.000Z');
const NO_ROUTING = { channelType: null, platformId: null, threadId: null };

function task(id: string, content: object, extra: { recurrence?: string; seriesId?: string } = {}): void {
  insertInbound(inbound, null, {
    id,
    kind: 'task',
    content,
    processAfter: '2030-01-01T09:59:00.000Z',
    recurrence: extra.recurrence ?? null,
    seriesId: extra.seriesId ?? id,
    channelType: 'web',
    platformId: 'main',
    threadId: null,
  });
}

function row(id: string) {
  const r = inbound.raw
    .prepare(`SELECT status, process_after, content FROM messages_in WHERE id = ?`)
    .get(id) as { status: string; process_after: string; content: string };
  return { ...r, content: JSON.parse(r.content) as Record<string, unknown> };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-script-failure-'));
  inbound = openInboundForHost(path.join(dir, 'inbound.db'));
});
afterEach(() => {
  inbound.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('applying a failed pre-task script', () => {
  it('moves the same occurrence back by the back-off and counts the failure', () => {
    task('t1', { prompt: 'check', script: 'exit 1' });
    expect(applyScriptFailure(inbound, 't1', policy, NOW)).toEqual({
      result: 'retry',
      failures: 1,
      retryAt: '2030-01-01T10:00:30.000Z',
    });
    expect(row('t1')).toEqual({
      status: 'pending',
      process_after: '2030-01-01T10:00:30.000Z',
      content: { prompt: 'check', script: 'exit 1', scriptFailures: 1 },
    });
    expect(applyScriptFailure(inbound, 't1', policy, NOW)).toMatchObject({ result: 'retry', failures: 2 });
    expect(row('t1').process_after).toBe('2030-01-01T10:01:00.000Z');
  });

  it('pauses the task at the limit and says where its chat is', () => {
    task('t1', { prompt: 'check', script: 'exit 1', scriptFailures: 2 });
    expect(applyScriptFailure(inbound, 't1', policy, NOW)).toEqual({
      result: 'paused',
      failures: 3,
      taskId: 't1',
      address: { channelType: 'web', platformId: 'main', threadId: null },
    });
    expect(row('t1')).toMatchObject({ status: 'paused', content: { scriptFailures: 3 } });
  });

  it('ignores a report about a row that is not a pending task with a script', () => {
    task('paused', { prompt: 'p', script: 'exit 1' });
    applySystemAction(inbound, null, { action: 'pause_task', taskId: 'paused' }, NO_ROUTING);
    task('plain', { prompt: 'no script' });
    insertInbound(inbound, null, { id: 'chat1', kind: 'chat', content: { text: 'hi', sender: null } });
    expect(applyScriptFailure(inbound, 'paused', policy, NOW)).toEqual({
      result: 'ignored',
      why: 'the row is paused',
    });
    expect(applyScriptFailure(inbound, 'plain', policy, NOW)).toMatchObject({ result: 'ignored' });
    expect(applyScriptFailure(inbound, 'chat1', policy, NOW)).toMatchObject({ result: 'ignored' });
    expect(applyScriptFailure(inbound, 'nope', policy, NOW)).toMatchObject({ result: 'ignored' });
    expect(row('paused')).toMatchObject({ status: 'paused', content: { prompt: 'p', script: 'exit 1' } });
    expect(row('plain').content).toEqual({ prompt: 'no script' });
  });

  it('starts the count afresh on resume and on a new script', () => {
    task('t1', { prompt: 'check', script: 'exit 1', scriptFailures: 2 });
    applyScriptFailure(inbound, 't1', policy, NOW);
    applySystemAction(inbound, null, { action: 'resume_task', taskId: 't1' }, NO_ROUTING);
    expect(row('t1')).toMatchObject({ status: 'pending', content: { prompt: 'check', script: 'exit 1' } });
    expect(row('t1').content).not.toHaveProperty('scriptFailures');
    applyScriptFailure(inbound, 't1', policy, NOW);
    applySystemAction(inbound, null, { action: 'update_task', taskId: 't1', script: 'exit 0' }, NO_ROUTING);
    expect(row('t1').content).toEqual({ prompt: 'check', script: 'exit 0' });
  });
});

describe('handleScriptFailure', () => {
  it('sends one notice to the task chat when the task is paused, and none for a retry or a repeated report', async () => {
    task('t1', { prompt: 'check', script: 'exit 1', scriptFailures: 1 });
    const sent: HostMessageInput[] = [];
    const d = {
      inbound,
      policy,
      log: pino({ level: 'silent' }),
      send: (m: HostMessageInput) => Promise.resolve(sent.push(m)),
    };
    const report = {
      action: 'task_script_failed' as const,
      taskId: 't1',
      error: 'the script exited with code 1',
    };
    expect(handleScriptFailure(d, 's1', report, undefined)).toMatchObject({ result: 'retry' });
    expect(handleScriptFailure(d, 's1', report, undefined)).toMatchObject({ result: 'paused' });
    expect(handleScriptFailure(d, 's1', report, undefined)).toMatchObject({ result: 'ignored' });
    await Promise.resolve();
    expect(sent).toEqual([
      {
        kind: 'notice',
        to: { channelType: 'web', platformId: 'main', threadId: null },
        text:
          'Scheduled task t1 is paused: its pre-task script failed 3 times in a row (last: the script exited ' +
          'with code 1). Resume it with resume_task, or "nanoclaw tasks resume t1".',
      },
    ]);
  });
});
