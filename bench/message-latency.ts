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
import type {
  ChannelAdapter,
  ChatAddress,
  InboundMessage,
  OutboundPayload,
} from '../host/channels/adapter.js';
import { loadConfig } from '../host/config.js';
import { upsertAgentGroup } from '../host/db/agent-groups.js';
import { openCentralDb } from '../host/db/central-db.js';
import { upsertMessagingGroup } from '../host/db/messaging-groups.js';
import { upsertWiring } from '../host/db/wirings.js';
import { startHost } from '../host/host.js';

class BenchAdapter implements ChannelAdapter {
  readonly channelType = 'bench';
  readonly supportsThreads = false;
  private waiters = new Map<string, (t: number) => void>();
  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  send(_to: ChatAddress, payload: OutboundPayload) {
    const t = performance.now();
    const key = payload.text.replace(/^Mock response to: /, '');
    this.waiters.get(key)?.(t);
    this.waiters.delete(key);
    return Promise.resolve({ platformMessageId: null });
  }
  expect(text: string, timeoutMs = 30_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), timeoutMs);
      this.waiters.set(text, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2);
  return `${name.padEnd(8)} n=${s.length} p50=${f(pct(s, 50))} ms p90=${f(pct(s, 90))} ms p99=${f(pct(s, 99))} ms max=${f(s[s.length - 1]!)} ms`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, cold: { type: 'string' } } });
  const messages = Math.min(100_000, Number(values.messages ?? 1000));
  const colds = Math.min(200, Number(values.cold ?? 10));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-'));
  const db = openCentralDb(path.join(dataDir, 'nanoclaw.db'));
  upsertAgentGroup(db, { id: 'bench', name: 'bench', folder: 'bench', provider: 'mock' });
  for (let i = 0; i <= colds; i++) {
    const mg = upsertMessagingGroup(db, {
      channelType: 'bench',
      platformId: `chat-${i}`,
      unknownSenderPolicy: 'public',
    });
    upsertWiring(db, {
      messagingGroupId: mg.id,
      agentGroupId: 'bench',
      engageMode: 'pattern',
      engagePattern: '.',
    });
  }
  const adapter = new BenchAdapter();
  const config = loadConfig({
    NANOCLAW_DATA_DIR: dataDir,
    NANOCLAW_PORT: '0',
    LOG_LEVEL: 'silent',
    NANOCLAW_RUNNER_POLL_MS: '2000',
  });
  const host = await startHost({ config, log: pino({ level: 'silent' }), channels: [adapter], db });
  let n = 0;
  const message = (chat: string, text: string): InboundMessage => ({
    channelType: 'bench',
    platformId: chat,
    threadId: null,
    messageId: `b${++n}`,
    senderHandle: 'bencher',
    text,
    isMention: true,
    isGroup: false,
    timestamp: new Date().toISOString(),
  });
  const roundTrip = async (
    chat: string,
    text: string,
  ): Promise<{ accept: number; reply: number; total: number }> => {
    const replied = adapter.expect(text);
    const t0 = performance.now();
    await host.route(message(chat, text));
    const t1 = performance.now();
    const t2 = await replied;
    return { accept: t1 - t0, reply: t2 - t1, total: t2 - t0 };
  };

  const cold: number[] = [];
  for (let i = 1; i <= colds; i++) cold.push((await roundTrip(`chat-${i}`, `cold ${i}`)).total);
  for (let i = 0; i < 20; i++) await roundTrip('chat-0', `warm-up ${i}`);
  const warm: number[] = [];
  const accept: number[] = [];
  const rss0 = process.memoryUsage().rss;
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    const r = await roundTrip('chat-0', `message ${i}`);
    warm.push(r.reply);
    accept.push(r.accept);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `message latency: ${messages} warm messages, ${colds} cold sessions, ${os.cpus().length} CPUs, node ${process.version}`,
  );
  console.log(summary('warm', warm));
  console.log(summary('accept', accept));
  console.log(summary('cold', cold));
  console.log(
    `throughput ${(messages / seconds).toFixed(0)} messages/s sequential; host RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB (was ${(rss0 / 1e6).toFixed(0)} MB)`,
  );
  await host.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
