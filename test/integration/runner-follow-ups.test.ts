/**
 * Follow-ups with the mock provider as a real runner process: messages that arrive while a turn runs join that
 * turn (one reply, acked with it); what the batch rules would not put in the same turn waits for its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HostSide,
  startReadyRunner,
  stopAll,
  waitFor,
  type RunnerProcess,
} from '../support/runner-harness.js';

describe('agent-runner follow-ups (mock provider)', () => {
  let host: HostSide;
  let runner: RunnerProcess;

  beforeAll(async () => {
    host = HostSide.create();
    runner = await startReadyRunner(host);
  });
  afterAll(async () => {
    await stopAll();
    host.close();
  });

  const replies = (id: string) => host.repliesTo(id).map((r) => r.json.text);
  const turnsStarted = () => runner.logs.filter((l) => l.msg === 'turn started').length;

  it('pushes a message that arrives during a turn into it: one reply answers both', async () => {
    const before = turnsStarted();
    const first = host.chat('first question [[delay:1500]]');
    await waitFor('claim', () => host.ack(first) === 'processing');
    const second = host.chat('and a detail [[error:never run]]', { sender: 'web:bob', senderName: 'Bob' });
    await waitFor('the follow-up claimed', () => host.ack(second) === 'processing');
    expect(await host.finished(first)).toBe('completed');
    expect(host.ack(second)).toBe('completed');
    expect(replies(first)).toEqual(['Mock response to: first question\nMock follow-up: and a detail']);
    expect(replies(second)).toEqual([]);
    expect(turnsStarted() - before).toBe(1);
    expect(runner.logs.some((l) => l.msg === 'follow-up pushed into the running turn')).toBe(true);
  });

  it('brings accumulated context along with the follow-up that triggers it', async () => {
    const first = host.chat('count these [[delay:1200]]');
    await waitFor('claim', () => host.ack(first) === 'processing');
    const ctx = host.chat('side remark', { trigger: 0, sender: 'web:carol' });
    await new Promise((r) => setTimeout(r, 300));
    expect(host.ack(ctx)).toBeNull();
    const trigger = host.chat('now this');
    await host.finished(first);
    expect(replies(first)).toEqual([
      'Mock response to: count these\nMock follow-up: side remark\nMock follow-up: now this',
    ]);
    expect([host.ack(ctx), host.ack(trigger)]).toEqual(['completed', 'completed']);
  });

  it('leaves a message for another chat of the session to its own turn and reply', async () => {
    const first = host.chat('for chat one [[delay:1000]]');
    await waitFor('claim', () => host.ack(first) === 'processing');
    const other = host.chat('for chat two', { platformId: 'chat-2' });
    await host.finished(first);
    expect(await host.finished(other)).toBe('completed');
    expect(replies(first)).toEqual(['Mock response to: for chat one']);
    expect(replies(other)).toEqual(['Mock response to: for chat two']);
  });

  it('leaves a slash command to a turn of its own', async () => {
    const first = host.chat('busy [[delay:1000]]');
    await waitFor('claim', () => host.ack(first) === 'processing');
    const cmd = host.chat('/compact', { sender: 'web:admin' });
    await host.finished(first);
    expect(replies(first)).toEqual(['Mock response to: busy']);
    await host.finished(cmd);
    expect(replies(cmd)).toEqual(['Mock handled /compact']);
  });
});

describe('agent-runner follow-ups at shutdown', () => {
  it('takes no follow-up once asked to stop: it stays pending for the next runner', async () => {
    const host = HostSide.create();
    try {
      const runner = await startReadyRunner(host);
      const first = host.chat('finishing up [[delay:1500]]');
      await waitFor('claim', () => host.ack(first) === 'processing');
      runner.proc.kill('SIGTERM');
      await runner.waitForLog((l) => l.msg === 'stopping after the current turn');
      const late = host.chat('one more thing');
      expect(await runner.exited).toEqual({ code: 0, signal: null });
      expect(host.ack(first)).toBe('completed');
      expect(host.repliesTo(first).map((r) => r.json.text)).toEqual(['Mock response to: finishing up']);
      expect(host.ack(late)).toBeNull();
    } finally {
      await stopAll();
      host.close();
    }
  });
});
