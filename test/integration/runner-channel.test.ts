/**
 * The runner's end of the host ⇄ runner notification channel against a tiny host stand-in on 127.0.0.1:
 * bearer token, inbound notices waking the loop at once, outbound notices after each commit, reconnects,
 * bad lines skipped, shutdown notices — and the DB poll as the safety net when the channel is down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelServer } from '../support/runner-channel-server.js';
import {
  HostSide,
  TEST_TOKEN,
  startReadyRunner,
  stopAll,
  waitFor,
  type RunnerProcess,
} from '../support/runner-harness.js';

let host: HostSide;
let server: ChannelServer | null = null;
afterEach(async () => {
  await stopAll();
  await server?.close();
  server = null;
  host.close();
});

/** A runner that effectively never polls on its own: only notices can wake it. */
async function eventDrivenRunner(): Promise<RunnerProcess> {
  server = await ChannelServer.start(TEST_TOKEN);
  host = HostSide.create();
  const runner = await startReadyRunner(host, {
    NANOCLAW_HOST_URL: server.url,
    NANOCLAW_SESSION_TOKEN: TEST_TOKEN,
    NANOCLAW_POLL_INTERVAL_MS: '60000',
  });
  await waitFor('channel', () => server!.connected);
  // Let the look-now that follows every connect pass.
  await new Promise((r) => setTimeout(r, 200));
  return runner;
}

const maxOutboundSeq = (s: ChannelServer) =>
  Math.max(0, ...s.notices.filter((n) => n.type === 'outbound').map((n) => n.seq));

describe('agent-runner notification channel', () => {
  it('wakes on an inbound notice and reports the outbound commit at once', async () => {
    await eventDrivenRunner();
    const id = host.chat('ping via channel');
    // Without a notice, nothing happens (the poll interval is a minute).
    await new Promise((r) => setTimeout(r, 500));
    expect(host.ack(id)).toBeNull();
    const t0 = Date.now();
    server!.send({ type: 'inbound', seq: 2 });
    const reply = await waitFor('reply', () => host.repliesTo(id)[0], 5_000);
    await waitFor('outbound notice', () => maxOutboundSeq(server!) >= reply.seq, 5_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(server!.refused).toBe(0);
  });

  it('skips a bad line and keeps the channel', async () => {
    await eventDrivenRunner();
    server!.sendRaw('this is not json\n{"type":"from-the-future"}\n');
    const id = host.chat('still listening?');
    server!.send({ type: 'inbound', seq: 2 });
    expect(await host.finished(id, 5_000)).toBe('completed');
    expect(server!.connections).toBe(1);
  });

  it('reconnects after the host drops the channel, and looks for work on reconnect', async () => {
    await eventDrivenRunner();
    server!.drop();
    const id = host.chat('written while the channel was down');
    await waitFor('reconnect', () => server!.connections === 2, 10_000);
    expect(await host.finished(id, 5_000)).toBe('completed');
  });

  it('finishes the current turn on a shutdown notice and exits 0', async () => {
    const runner = await eventDrivenRunner();
    const id = host.chat('long one [[delay:500]]');
    server!.send({ type: 'inbound', seq: 2 });
    await waitFor('claim', () => host.ack(id) === 'processing', 5_000);
    server!.send({ type: 'shutdown', reason: 'idle' });
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    expect(host.ack(id)).toBe('completed');
    expect(
      runner.logs.some((l) => l.msg === 'stopping after the current turn' && l.reason === 'host: idle'),
    ).toBe(true);
  });

  it('keeps working by polling when the host refuses the token', async () => {
    server = await ChannelServer.start('the-host-expects-another-token');
    host = HostSide.create();
    await startReadyRunner(host, { NANOCLAW_HOST_URL: server.url, NANOCLAW_SESSION_TOKEN: TEST_TOKEN });
    const id = host.chat('anyone?');
    expect(await host.finished(id)).toBe('completed');
    await waitFor('a retry after the refusal', () => server!.refused >= 2, 5_000);
    expect(server.connections).toBe(0);
  });

  it('keeps working by polling when the host is down', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    host = HostSide.create();
    const runner = await startReadyRunner(host, {
      NANOCLAW_HOST_URL: `http://127.0.0.1:${port}`,
      NANOCLAW_SESSION_TOKEN: TEST_TOKEN,
    });
    const id = host.chat('poll me');
    expect(await host.finished(id)).toBe('completed');
    expect(host.repliesTo(id)).toHaveLength(1);
    expect((await runner.stop()).code).toBe(0);
  });
});
