/**
 * P4: many sessions at once under the runner cap. The embedded host in-process (local-process runners, the mock
 * provider, NANOCLAW_MAX_RUNNERS at its default unless --max-runners is given); S chats each send M messages one
 * after another (the next as soon as the previous reply arrived), all S at the same time. With more sessions than
 * runner slots, sessions wait in the host's queue and idle runners are stopped for them, so many messages include a
 * runner start.
 *
 * Reports messages/s over the whole load, the message → reply latency (routeInbound called → the adapter's send())
 * percentiles, the most runners seen at once, and memory per runner process — the peak RSS and PSS (shared pages
 * split among the processes sharing them) of each runner from /proc, sampled every 250 ms while the load runs.
 *
 * Usage: npm run build && node dist/bench/active-sessions.js [--sessions 100] [--messages 5] [--mode notify|poll]
 *        [--max-runners N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../host/config.js';
import { openCentralDb } from '../host/db/central-db.js';
import { DELIVERY_MODES, type DeliveryMode } from '../host/delivery/delivery-mode.js';
import { startHost } from '../host/host.js';
import { BenchAdapter, percentile, roundTripper, seedBench, summary } from './bench-host.js';
import { pssKb, rssKb, runnerPids } from './proc.js';

/** Per runner process: the largest RSS and PSS seen (KiB). */
type Peaks = Map<number, { rss: number; pss: number }>;

/** Samples every runner process now; returns how many there are. */
function sampleRunners(peaks: Peaks): number {
  const pids = runnerPids(process.pid);
  for (const pid of pids) {
    const [rss, pss] = [rssKb(pid), pssKb(pid)];
    if (rss === null || pss === null) continue;
    const seen = peaks.get(pid) ?? { rss: 0, pss: 0 };
    peaks.set(pid, { rss: Math.max(seen.rss, rss), pss: Math.max(seen.pss, pss) });
  }
  return pids.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      messages: { type: 'string' },
      mode: { type: 'string' },
      'max-runners': { type: 'string' },
    },
  });
  const sessions = Math.min(1000, Number(values.sessions ?? 100));
  const messages = Math.min(100, Number(values.messages ?? 5));
  const mode = (values.mode ?? 'notify') as DeliveryMode;
  if (!DELIVERY_MODES.includes(mode)) throw new Error(`--mode must be one of ${DELIVERY_MODES.join(', ')}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-active-'));
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  seedBench(db, sessions - 1);
  const adapter = new BenchAdapter();
  const config = loadConfig({
    NANOCLAW_DATA_DIR: dataDir,
    NANOCLAW_PORT: '0',
    LOG_LEVEL: 'silent',
    NANOCLAW_DELIVERY_MODE: mode,
    ...(values['max-runners'] ? { NANOCLAW_MAX_RUNNERS: values['max-runners'] } : {}),
  });
  const load = os.loadavg()[0]!.toFixed(2);
  const host = await startHost({
    config,
    log: pino({ level: process.env.BENCH_LOG ?? 'silent' }),
    channels: [adapter],
    db,
  });
  const send = roundTripper(host, adapter, 600_000);
  const peaks: Peaks = new Map();
  let most = 0;
  const sampler = setInterval(() => (most = Math.max(most, sampleRunners(peaks))), 250);
  const latencies: number[] = [];
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        for (let m = 0; m < messages; m++)
          latencies.push((await send(`chat-${s}`, `session ${s} message ${m}`)).total);
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const hostRss = process.memoryUsage().rss / 1048576;
  await host.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const rss = [...peaks.values()].map((p) => p.rss / 1024);
  const pss = [...peaks.values()].map((p) => p.pss / 1024);
  const mb = (v: number) => `${v.toFixed(0)} MiB`;
  const ms = (v: number) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
  console.log(
    `active sessions (${mode}): ${sessions} sessions × ${messages} messages, NANOCLAW_MAX_RUNNERS=${config.maxRunners}, ${os.cpus().length} CPUs, node ${process.version}, load average ${load} at start, ${os.loadavg()[0]!.toFixed(2)} at end`,
  );
  console.log(summary('latency', latencies));
  console.log(
    `throughput ${(latencies.length / seconds).toFixed(1)} messages/s over ${seconds.toFixed(1)} s`,
  );
  console.log('\n| measurement | value |');
  console.log('| --- | --- |');
  console.log(`| messages | ${latencies.length} in ${seconds.toFixed(1)} s |`);
  console.log(`| messages/s | ${(latencies.length / seconds).toFixed(1)} |`);
  for (const q of [50, 90, 99]) console.log(`| message → reply p${q} | ${ms(percentile(latencies, q))} |`);
  console.log(`| most runners at once | ${most} (cap ${config.maxRunners}) |`);
  if (rss.length > 0) {
    console.log(`| runner processes seen | ${rss.length} |`);
    console.log(`| runner peak RSS p50 / max | ${mb(percentile(rss, 50))} / ${mb(Math.max(...rss))} |`);
    console.log(`| runner peak PSS p50 / max | ${mb(percentile(pss, 50))} / ${mb(Math.max(...pss))} |`);
  }
  console.log(`| host RSS (bench process) | ${mb(hostRss)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
