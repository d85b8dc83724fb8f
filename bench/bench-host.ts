/**
 * Shared by the message-path benchmarks: a channel adapter that timestamps the mock agent's replies, a seeded
 * agent group with N public chats, a round-trip helper and percentile summaries.
 */
import type {
  ChannelAdapter,
  ChatAddress,
  InboundMessage,
  OutboundPayload,
} from '../host/channels/adapter.js';
import { upsertAgentGroup } from '../host/db/agent-groups.js';
import type { CentralDb } from '../host/db/central-db.js';
import { upsertMessagingGroup } from '../host/db/messaging-groups.js';
import { upsertWiring } from '../host/db/wirings.js';
import type { RunningHost } from '../host/host.js';

export class BenchAdapter implements ChannelAdapter {
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
  expect(text: string, timeoutMs = 60_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), timeoutMs);
      this.waiters.set(text, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }
}

/** Agent group `bench` (mock provider) wired to public chats chat-0 … chat-<n>. */
export function seedBench(db: CentralDb, chats: number): void {
  upsertAgentGroup(db, { id: 'bench', name: 'bench', folder: 'bench', provider: 'mock' });
  for (let i = 0; i <= chats; i++) {
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
}

export interface RoundTrip {
  /** routeInbound until the message is accepted (committed to inbound.db). */
  accept: number;
  /** accepted → the adapter's send() of the reply. */
  reply: number;
  total: number;
}

export function roundTripper(
  host: RunningHost,
  adapter: BenchAdapter,
  replyTimeoutMs = 60_000,
): (chat: string, text: string) => Promise<RoundTrip> {
  let n = 0;
  return async (chat, text) => {
    const msg: InboundMessage = {
      channelType: 'bench',
      platformId: chat,
      threadId: null,
      messageId: `b${++n}`,
      senderHandle: 'bencher',
      text,
      isMention: true,
      isGroup: false,
      timestamp: new Date().toISOString(),
    };
    const replied = adapter.expect(text, replyTimeoutMs);
    const t0 = performance.now();
    await host.route(msg);
    const t1 = performance.now();
    const t2 = await replied;
    return { accept: t1 - t0, reply: t2 - t1, total: t2 - t0 };
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The p-th percentile (nearest rank) of the samples. */
export function percentile(samples: number[], p: number): number {
  return pct(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

export function summary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2);
  return `${name.padEnd(8)} n=${s.length} p50=${f(pct(s, 50))} ms p90=${f(pct(s, 90))} ms p99=${f(pct(s, 99))} ms max=${f(s[s.length - 1]!)} ms`;
}
