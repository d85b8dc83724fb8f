/**
 * Message-path latency of the embedded host with real runner processes and the mock provider (no think time), in
 * both delivery modes (host/delivery/delivery-mode.ts) and against the floor (floor.ts), all in one run:
 *
 *   P1 warm, over N sequential messages to one session whose runner is already running: message → reply
 *            (routeInbound called → the adapter's send() of the reply; compared with the floor) and accepted →
 *            reply (from routeInbound resolved, i.e. the row committed to inbound.db);
 *   P2 cold: a message to a new session (new runner process) → its reply;
 *   accept:  how long routeInbound takes to accept a message.
 *
 * notify mode sends its messages back to back. poll mode waits a random 0–1 s before each message, so messages
 * land at random points of the two 1 s polls, as people's messages do (back to back, every message would wait
 * for the runner's next look about a second after its last turn). The runners' fallback poll in notify mode is
 * 2 s, so notify numbers measure the notification channel, not polling.
 *
 * Usage: npm run build && node dist/bench/message-latency.js [--messages 1000] [--poll-messages 100] [--cold 10]
 *        [--floor 1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../host/config.js';
import { openCentralDb } from '../host/db/central-db.js';
import type { DeliveryMode } from '../host/delivery/delivery-mode.js';
import { startHost } from '../host/host.js';
import { BenchAdapter, percentile, roundTripper, seedBench, summary } from './bench-host.js';
import { measureFloor, measureNodeStart } from './floor.js';

interface ModeRun {
  /** Message in (routeInbound called) → reply sent: what the floor is compared with. */
  roundTrip: number[];
  warm: number[];
  accept: number[];
  cold: number[];
  /** Warm messages per second (back to back only). */
  perSecond: number | null;
  hostRssMb: number;
}

async function runMode(
  mode: DeliveryMode,
  o: { messages: number; colds: number; warmUps: number; randomGapMs: number },
): Promise<ModeRun> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `nc-bench-${mode}-`));
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  seedBench(db, o.colds);
  const adapter = new BenchAdapter();
  const config = loadConfig({
    NANOCLAW_DATA_DIR: dataDir,
    NANOCLAW_PORT: '0',
    LOG_LEVEL: 'silent',
    NANOCLAW_RUNNER_POLL_MS: '2000',
    NANOCLAW_DELIVERY_MODE: mode,
  });
  const host = await startHost({ config, log: pino({ level: 'silent' }), channels: [adapter], db });
  const send = roundTripper(host, adapter);
  const gap = () => new Promise((r) => setTimeout(r, Math.random() * o.randomGapMs));
  try {
    const cold: number[] = [];
    for (let i = 1; i <= o.colds; i++) {
      await gap();
      cold.push((await send(`chat-${i}`, `cold ${i}`)).total);
    }
    for (let i = 0; i < o.warmUps; i++) await send('chat-0', `warm-up ${i}`);
    const roundTrip: number[] = [];
    const warm: number[] = [];
    const accept: number[] = [];
    let busyMs = 0;
    for (let i = 0; i < o.messages; i++) {
      await gap();
      const t0 = performance.now();
      const r = await send('chat-0', `message ${i}`);
      busyMs += performance.now() - t0;
      roundTrip.push(r.total);
      warm.push(r.reply);
      accept.push(r.accept);
    }
    return {
      roundTrip,
      warm,
      accept,
      cold,
      perSecond: o.randomGapMs === 0 ? o.messages / (busyMs / 1000) : null,
      hostRssMb: process.memoryUsage().rss / 1e6,
    };
  } finally {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms = (v: number) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const times = (a: number, b: number) => `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`;
const p = percentile;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      'poll-messages': { type: 'string' },
      cold: { type: 'string' },
      floor: { type: 'string' },
    },
  });
  const messages = Math.min(100_000, Number(values.messages ?? 1000));
  const pollMessages = Math.min(2000, Number(values['poll-messages'] ?? 100));
  const colds = Math.min(200, Number(values.cold ?? 10));
  const floorN = Math.min(100_000, Number(values.floor ?? 1000));
  const load = os.loadavg()[0]!.toFixed(2);

  const floor = await measureFloor(os.tmpdir(), floorN);
  const nodeStart = await measureNodeStart(colds);
  const notify = await runMode('notify', { messages, colds, warmUps: 20, randomGapMs: 0 });
  const poll = await runMode('poll', { messages: pollMessages, colds, warmUps: 3, randomGapMs: 1000 });

  console.log(
    `message latency (local-process, mock provider): ${os.cpus().length} CPUs, node ${process.version}, load average ${load} at start, ${os.loadavg()[0]!.toFixed(2)} at end`,
  );
  console.log(summary('floor', floor.total));
  console.log(summary(' commits', floor.commits));
  console.log(summary(' wake', floor.wake));
  console.log(summary('node-start', nodeStart));
  for (const [name, run] of [
    ['notify', notify],
    ['poll', poll],
  ] as const) {
    console.log(summary(`${name} round trip`, run.roundTrip));
    console.log(summary(`${name} warm`, run.warm));
    console.log(summary(`${name} accept`, run.accept));
    console.log(summary(`${name} cold`, run.cold));
  }
  console.log(
    `notify: ${notify.perSecond!.toFixed(0)} messages/s sequential; host RSS ${notify.hostRssMb.toFixed(0)} MB`,
  );
  const row = (name: string, fl: number | null, n: number, pl: number): string =>
    `| ${name} | ${fl === null ? '' : ms(fl)} | ${ms(n)} | ${ms(pl)} | ${times(pl, n)} | ${fl === null ? '' : times(n, fl)} | ${fl === null ? '' : times(pl, fl)} |`;
  console.log('\n| measurement | floor | notify | poll | poll ÷ notify | notify ÷ floor | poll ÷ floor |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const q of [50, 90, 99])
    console.log(
      row(`P1 message → reply p${q}`, p(floor.total, q), p(notify.roundTrip, q), p(poll.roundTrip, q)),
    );
  for (const q of [50, 99])
    console.log(row(`P1 accepted → reply p${q}`, null, p(notify.warm, q), p(poll.warm, q)));
  console.log(row('accept p50', null, p(notify.accept, 50), p(poll.accept, 50)));
  console.log(row('P2 cold p50 (floor: node -e 0)', p(nodeStart, 50), p(notify.cold, 50), p(poll.cold, 50)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
