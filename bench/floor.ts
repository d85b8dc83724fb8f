/**
 * The floor of one message's round trip on this machine: what any design that keeps messages in the two session
 * DBs must pay, measured with the project's own write paths and journal settings.
 *
 *   commits: the host inserts the message into inbound.db (insertInbound, journal_mode PERSIST), the runner
 *            commits its reply with the completed ack to outbound.db (OutboundWriter.commit, DELETE), the host
 *            records it delivered in inbound.db (recordDelivery) — three commits, each with its fsync;
 *   wake:    a ping round trip to a child process over a pipe — two process wake-ups, as the host waking the
 *            runner and the runner waking the host.
 *
 *
 * For cold starts the floor is a bare `node -e 0` (measureNodeStart): starting any Node process.
 *
 * The real path does more (the runner's claim, the host's ack sync, routing, the central DB), so the message
 * benchmarks report their numbers as multiples of this floor, measured in the same run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { openInboundForHost, openOutboundForRunner } from '../protocol/session-db.js';
import { insertInbound, recordDelivery } from '../host/session/inbound-writer.js';
import { OutboundWriter } from '../container/agent-runner/outbound-writer.js';

export interface FloorSamples {
  /** The three commits of one message, in ms. */
  commits: number[];
  /** One child-process ping round trip, in ms. */
  wake: number[];
  /** commits + wake of the same message, in ms. */
  total: number[];
}

const ECHO = `process.stdin.setEncoding('utf8');process.stdin.on('data',(d)=>process.stdout.write(d));`;

/** Measures `n` messages' worth of commits and wake-ups in a fresh session directory under `dir`. */
export async function measureFloor(dir: string, n: number): Promise<FloorSamples> {
  const root = fs.mkdtempSync(path.join(dir, 'floor-'));
  const inbound = openInboundForHost(path.join(root, 'inbound.db'));
  const outbound = openOutboundForRunner(path.join(root, 'outbound.db'));
  const writer = new OutboundWriter(outbound, () => 0);
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  let waiting: (() => void) | null = null;
  lines.on('line', () => waiting?.());
  const ping = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('floor: the echo child did not answer in 5 s')), 5000);
      waiting = () => {
        clearTimeout(timer);
        waiting = null;
        resolve();
      };
      child.stdin.write(`${i}\n`);
    });
  const samples: FloorSamples = { commits: [], wake: [], total: [] };
  try {
    await ping(-1);
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const id = `floor-${i}`;
      insertInbound(inbound, null, { id, kind: 'chat', content: { text: `message ${i}`, sender: 'bench' } });
      const [reply] = writer.commit({
        messages: [
          {
            kind: 'chat',
            address: { channelType: 'bench', platformId: 'floor', threadId: null },
            inReplyTo: id,
            content: { text: `Mock response to: message ${i}` },
          },
        ],
        acks: [{ id, status: 'completed' }],
      });
      recordDelivery(inbound, reply!.id, 'delivered', null, null);
      const t1 = performance.now();
      await ping(i);
      const t2 = performance.now();
      samples.commits.push(t1 - t0);
      samples.wake.push(t2 - t1);
      samples.total.push(t2 - t0);
    }
  } finally {
    child.kill();
    inbound.close();
    outbound.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return samples;
}

/** `n` starts of a bare `node -e 0` until it exits, in ms. */
export async function measureNodeStart(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`node -e 0 exited with ${code}`));
      });
    });
    out.push(performance.now() - t0);
  }
  return out;
}
