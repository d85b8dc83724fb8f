/**
 * Message-path latency of the embedded host with real runner processes and the mock provider (no think time).
 *
 *   warm: accepted inbound (routeInbound resolved, row committed) → the adapter's send() for the reply, over N
 *         sequential messages to one session whose runner is already running;
 *   cold: a message to a new session (new runner process) → its reply;
 *   accept: how long routeInbound takes to accept a message.
 *
 * Usage: npm run build && node dist/bench/message-latency.js [--messages 1000] [--cold 10]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../host/config.js';
import { openCentralDb } from '../host/db/central-db.js';
import { startHost } from '../host/host.js';
import { BenchAdapter, roundTripper, seedBench, summary } from './bench-host.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, cold: { type: 'string' } } });
  const messages = Math.min(100_000, Number(values.messages ?? 1000));
  const colds = Math.min(200, Number(values.cold ?? 10));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-'));
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  seedBench(db, colds);
  const adapter = new BenchAdapter();
  // A long fallback poll, so the numbers measure the notification channel, not polling.
  const config = loadConfig({
    NANOCLAW_DATA_DIR: dataDir,
    NANOCLAW_PORT: '0',
    LOG_LEVEL: 'silent',
    NANOCLAW_RUNNER_POLL_MS: '2000',
  });
  const host = await startHost({ config, log: pino({ level: 'silent' }), channels: [adapter], db });
  const roundTrip = roundTripper(host, adapter);

  const cold: number[] = [];
  for (let i = 1; i <= colds; i++) cold.push((await roundTrip(`chat-${i}`, `cold ${i}`)).total);
  for (let i = 0; i < 20; i++) await roundTrip('chat-0', `warm-up ${i}`);
  const warm: number[] = [];
  const accept: number[] = [];
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    const r = await roundTrip('chat-0', `message ${i}`);
    warm.push(r.reply);
    accept.push(r.accept);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `message latency (local-process): ${messages} warm messages, ${colds} cold sessions, ${os.cpus().length} CPUs, node ${process.version}`,
  );
  console.log(summary('warm', warm));
  console.log(summary('accept', accept));
  console.log(summary('cold', cold));
  console.log(
    `throughput ${(messages / seconds).toFixed(0)} messages/s sequential; host RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
  await host.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
