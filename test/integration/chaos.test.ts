/**
 * Chaos (issue 15): a few hundred numbered messages over several web chats of a real embedded host, while the host
 * process and runner processes are killed with SIGKILL at seeded random moments. The client is a careful real one
 * (resilient-chat.ts): it retries a POST with an unknown outcome with the same Idempotency-Key and resumes its
 * event streams with Last-Event-ID. A seeded fifth of the messages lose their first answer on purpose (sent
 * again with the same key while the first may still run), since a kill rarely lands inside a POST by itself. Every accepted message must be answered exactly once at the client and be
 * shown once itself: 0 lost, 0 duplicated.
 *
 * The seed is NANOCLAW_CHAOS_SEED or a fixed default, printed with every kill, so a failing run can be repeated.
 * Each chat sends its next message only after the reply to the previous one (the mock answers the last message
 * of a turn, so two messages in one turn would get one reply by design). Runners run without a sandbox
 * (NANOCLAW_SANDBOX=none): a runner then outlives a killed host, and the restarted host must deal with it.
 * A runner is killed at most once per host lifetime, so the crash back-off (10 s from a session's second crash)
 * never stretches the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { ResilientChat, type HostRef } from '../support/resilient-chat.js';
import { sleep } from '../support/web-client.js';

const SEED = Number(process.env.NANOCLAW_CHAOS_SEED ?? 15_2026);
if (!Number.isSafeInteger(SEED)) throw new Error(`NANOCLAW_CHAOS_SEED must be an integer, not ${SEED}`);
const CHATS = ['main', 'c1', 'c2', 'c3'];
const PER_CHAT = 60;
const KILLS = 12;
/** How many of the kills hit the host (the rest hit a runner; the order is seeded): a host kill restarts every runner. */
const HOST_KILLS = 4;
/** The share of messages whose first POST answer the client loses (and sends again with the same key). */
const LOST_ANSWER_SHARE = 0.2;
const REPLY_TIMEOUT_MS = 40_000;
const RUN_BUDGET_MS = 90_000;

/** mulberry32: a small seeded PRNG, so the kill plan is the same for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const chatYaml = (id: string) => `apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: web-${id} }
spec:
  channel: web
  platformId: ${id}
  unknownSenderPolicy: strict
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
`;

let home: string;
let dataDir: string;
let host: HostProcess;
/** Every host generation's output, for the log a failure leaves in .test-results/. */
const hostLogs: string[][] = [];
const ref: HostRef = { url: '' };

async function startHost(): Promise<void> {
  host = await startHostProcess({
    dataDir,
    verb: 'start',
    env: {
      NANOCLAW_CONFIG_DIR: path.join(home, 'nanoclaw.d'),
      NANOCLAW_SANDBOX: 'none',
      NANOCLAW_WEB_RATE_PER_MINUTE: '100000',
      NANOCLAW_WEB_RATE_BURST: '1000',
      LOG_LEVEL: 'info',
    },
    timeoutMs: 30_000,
  });
  hostLogs.push(host.output);
  ref.url = host.url;
}

/**
 * The messages a mock reply answers: its own ("Mock response to: …") and any follow-up that joined its turn
 * ("Mock follow-up: …", one line each) — a message sent right after a reply may still join that turn.
 */
function answers(reply: string): string[] {
  return reply
    .split('\n')
    .map((line) => /^Mock (?:response to|follow-up): (chaos .+)$/.exec(line)?.[1])
    .filter((t): t is string => t !== undefined);
}

/** What the current host is doing, for a failure message: alive or how it ended, and its last lines. */
function hostState(): string {
  const { exitCode, signalCode } = host.proc;
  const state = exitCode === null && signalCode === null ? 'running' : `exited (${exitCode ?? signalCode})`;
  return `host ${state}; its last lines:\n${host.output.slice(-25).join('\n')}`;
}

/** Writes every host generation's output to .test-results/chaos-<seed>.log; returns the path. */
function keepLogs(clients: ResilientChat[]): string {
  const seen = clients.map(
    (c) =>
      `=== chat ${c.chat}: ${c.connects} stream connects; last events:\n` +
      c.received
        .slice(-8)
        .map((e) => `${e.eventId} ${e.message.author.kind}: ${JSON.stringify(e.message.text)}`)
        .join('\n'),
  );
  const file = path.join(REPO, '.test-results', `chaos-${SEED}.log`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [...seen, ...hostLogs.map((lines, i) => `=== host ${i + 1}\n${lines.join('\n')}`)].join('\n'),
  );
  return file;
}

/** Runner pids by session id, from the runtime's pid files. */
function runnerPids(): Map<string, number> {
  const dir = path.join(dataDir, 'run', 'runners');
  const pids = new Map<string, number>();
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!name.endsWith('.pid')) continue;
    const pid = Number(fs.readFileSync(path.join(dir, name), 'utf8'));
    if (Number.isSafeInteger(pid) && pid > 1) pids.set(name.slice(0, -4), pid);
  }
  return pids;
}

beforeAll(async () => {
  home = tempDir('nc-chaos-');
  dataDir = path.join(home, 'data');
  const configDir = path.join(home, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(
    path.join(configDir, 'agent.yaml'),
    [
      'apiVersion: nanoclaw.dev/v1alpha1',
      'kind: AgentGroup',
      'metadata: { name: assistant }',
      'spec: { provider: mock }',
      '---',
      'apiVersion: nanoclaw.dev/v1alpha1',
      'kind: UserRole',
      'metadata: { name: local-owner }',
      'spec: { user: "web:local", role: owner }',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(configDir, 'chats.yaml'), CHATS.map(chatYaml).join('---\n'));
  await startHost();
});

afterAll(async () => {
  if (host) expect(await host.stop()).toBe(0);
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe('chaos', () => {
  it(`answers each of ${CHATS.length * PER_CHAT} messages exactly once through ${KILLS} kill -9 of the host and runners`, async () => {
    const random = prng(SEED);
    console.log(`chaos: seed ${SEED} (repeat with NANOCLAW_CHAOS_SEED=${SEED})`);
    const started = Date.now();
    const clients = CHATS.map((c) => new ResilientChat(ref, c));
    let accepted = 0;
    const acceptedIds = new Map<string, string>();

    // Which messages lose their first answer (the client sends again with the same key, 0–30 ms later).
    const lose = new Map(
      CHATS.map((c) => [
        c,
        Array.from({ length: PER_CHAT }, () =>
          random() < LOST_ANSWER_SHARE ? Math.floor(random() * 30) : null,
        ),
      ]),
    );
    const talk = async (client: ResilientChat): Promise<void> => {
      for (let i = 0; i < PER_CHAT; i++) {
        const text = `chaos ${client.chat} #${i}`;
        const id = await client.send(
          text,
          `chaos-${SEED}-${client.chat}-${i}`,
          lose.get(client.chat)![i] ?? null,
        );
        acceptedIds.set(text, id);
        accepted++;
        try {
          await client.waitFor((m) => answers(m.text).includes(text), REPLY_TIMEOUT_MS);
        } catch (err) {
          throw new Error(
            `${(err as Error).message}\n${hostState()}\nall host output: ${keepLogs(clients)}`,
            {
              cause: err,
            },
          );
        }
      }
    };

    // Kill k happens once the clients have had (k+1)/(KILLS+1) of their messages accepted, a little later or
    // earlier at random, so every kill lands while traffic flows.
    const total = CHATS.length * PER_CHAT;
    const hostKill = Array.from({ length: KILLS }, (_, k) => k < HOST_KILLS);
    for (let k = KILLS - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [hostKill[k], hostKill[j]] = [hostKill[j]!, hostKill[k]!];
    }
    const plan = Array.from({ length: KILLS }, (_, k) => ({
      at: Math.round(((k + 1 + (random() - 0.5) * 0.6) * total) / (KILLS + 1)),
      host: hostKill[k]!,
      pick: random(),
    }));
    const actions: string[] = [];
    let stopped = false;
    const chaos = async (): Promise<void> => {
      let killedSinceStart = new Set<string>();
      for (const [k, step] of plan.entries()) {
        while (accepted < step.at) {
          if (stopped) return;
          await sleep(20);
        }
        const pids = [...runnerPids()].filter(([s]) => !killedSinceStart.has(s));
        if (step.host || pids.length === 0) {
          const at = Date.now();
          await host.kill();
          await startHost();
          actions.push(
            `${k + 1}: host (after ${accepted} accepted, +${at - started} ms, back in ${Date.now() - at} ms)`,
          );
          killedSinceStart = new Set();
        } else {
          const [session, pid] = pids[Math.floor(step.pick * pids.length)]!;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // it exited by itself meanwhile
          }
          killedSinceStart.add(session);
          actions.push(
            `${k + 1}: runner of ${session} (after ${accepted} accepted, +${Date.now() - started} ms)`,
          );
        }
        console.log(`chaos seed ${SEED}: kill ${actions[actions.length - 1]}`);
      }
    };

    const killing = chaos();
    try {
      await Promise.all(clients.map(talk));
      await killing;
      await sleep(1500); // a duplicate would arrive now, after the last reply
    } finally {
      stopped = true; // a failed client must not leave the killer restarting hosts after the test
      await killing.catch(() => undefined);
      await Promise.all(clients.map((c) => c.close()));
    }
    const elapsed = Date.now() - started;
    console.log(
      `chaos seed ${SEED}: ${accepted} accepted in ${elapsed} ms; ${actions.length} kills; ` +
        `POST retries ${clients.reduce((n, c) => n + c.retries, 0)}; ` +
        `lost answers ${clients.reduce((n, c) => n + c.lostAnswers, 0)}; ` +
        `stream connects ${clients.reduce((n, c) => n + c.connects, 0)}`,
    );

    expect(actions).toHaveLength(KILLS);
    expect(accepted).toBe(total);
    for (const client of clients) {
      const shown = [...client.shown.values()];
      for (let i = 0; i < PER_CHAT; i++) {
        const text = `chaos ${client.chat} #${i}`;
        const own = shown.filter((m) => m.author.kind === 'user' && m.text === text);
        const replies = shown.filter((m) => m.author.kind === 'agent' && answers(m.text).includes(text));
        expect({ text, own: own.length, replies: replies.length }).toEqual({ text, own: 1, replies: 1 });
        expect(own[0]!.id).toBe(acceptedIds.get(text));
      }
      // Nothing else was said: no failure notice, no reply to a message that was never sent.
      expect(
        shown.filter((m) => m.author.kind !== 'user' && !m.text.startsWith('Mock response to: chaos ')),
      ).toEqual([]);
    }
    expect(elapsed).toBeLessThan(RUN_BUDGET_MS);
  }, 150_000);
});
