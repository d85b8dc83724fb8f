/**
 * Crash recovery of the agent-runner: claims left by a dead runner are cleared on start, and a runner killed
 * with SIGKILL mid-turn answers the message exactly once after a restart (tool side effects committed before
 * the kill are at-least-once — see container/agent-runner/README.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openOutboundForRunner } from '../../protocol/session-db.js';
import { HostSide, startReadyRunner, stopAll, waitFor } from '../support/runner-harness.js';

let host: HostSide;
afterEach(async () => {
  await stopAll();
  host.close();
});

describe('agent-runner crash recovery', () => {
  it('clears a stale processing ack on start and processes the message', async () => {
    host = HostSide.create();
    const id = host.chat('left behind');
    const other = host.chat('already done');
    // A previous runner claimed `id` and finished `other`, then died.
    const out = openOutboundForRunner(host.paths.outboundDb);
    out.raw
      .prepare(
        `INSERT INTO processing_ack (message_id, status, status_changed) VALUES
         (?, 'processing', '2026-01-01T00:00:00.000Z'), (?, 'completed', '2026-01-01T00:00:00.000Z')`,
      )
      .run(id, other);
    out.close();

    const runner = await startReadyRunner(host);
    expect(runner.logs.find((l) => l.msg === 'agent-runner starting')).toMatchObject({ clearedClaims: 1 });
    expect(await host.finished(id)).toBe('completed');
    expect(host.repliesTo(id).map((r) => r.json.text)).toEqual(['Mock response to: left behind']);
    // The completed one is not run again.
    expect(host.repliesTo(other)).toEqual([]);
  });

  it('answers a message once after a kill -9 mid-turn; side effects before the kill repeat', async () => {
    host = HostSide.create();
    const first = await startReadyRunner(host);
    const id = host.chat('careful [[tool:send_message {"text":"working on it"}]] [[delay:1500]]');
    await waitFor('the progress message', () => host.repliesTo(id).length === 1);
    expect(host.ack(id)).toBe('processing');
    await first.kill9();
    expect(host.repliesTo(id).map((r) => r.json.text)).toEqual(['working on it']);

    await startReadyRunner(host);
    expect(await host.finished(id, 15_000)).toBe('completed');
    const texts = host.repliesTo(id).map((r) => r.json.text);
    // Exactly one final reply; the progress message, committed before the kill, was sent again by the rerun.
    const finals = texts.filter((t) => String(t).startsWith('Mock response to: careful'));
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatch(/\[tool send_message\] Message sent to the current conversation/);
    expect(texts.filter((t) => t === 'working on it')).toHaveLength(2);
    expect(texts).toHaveLength(3);
    // No seq was reused across the two runs.
    const seqs = host.rows().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('does not answer a completed message again after a restart', async () => {
    host = HostSide.create();
    const r1 = await startReadyRunner(host);
    const id = host.chat('once only');
    await host.finished(id);
    await r1.stop();
    const r2 = await startReadyRunner(host);
    const next = host.chat('and another');
    await host.finished(next);
    await r2.stop();
    expect(host.repliesTo(id)).toHaveLength(1);
    expect(host.repliesTo(next)).toHaveLength(1);
  });
});
