/**
 * P3: what idle sessions cost the host. A data dir with N idle sessions (central-DB rows, session directories with
 * inbound.db and outbound.db, as stopped runners leave them) is served by the real `nanoclaw host` process, with the
 * sweep ticking every second (NANOCLAW_SWEEP_INTERVAL_SECONDS=1, 30× the default, so every second is one sweep
 * tick — and in poll mode one outbound poll tick). Cases, each in both delivery modes:
 *
 *   empty:  no sessions at all (the host's own baseline);
 *   idle:   N idle sessions, no runner;
 *   active: the same N plus K sessions with a running (idle) runner, woken through the CLI's wake requests.
 *
 * Per case: the host's CPU time per second over a window (from /proc/<pid>/stat), the runners' CPU time, and — in a
 * second run of the case under `strace` (the host's main thread, where SQLite and the sync fs calls run) — the
 * host's system calls per second, those on session files and on the central DB, and how many distinct sessions'
 * files it touched in the window. Work per tick that follows active sessions, not all sessions, shows as the idle
 * case matching the empty one and the active case touching exactly K sessions.
 *
 * Usage: npm run build && node dist/bench/idle-sessions.js [--sessions 1000] [--active 10] [--seconds 30]
 *        [--trace-seconds 15]   (needs strace for the system-call columns)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { upsertAgentGroup } from '../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import type { DeliveryMode } from '../host/delivery/delivery-mode.js';
import { upsertMessagingGroup } from '../host/db/messaging-groups.js';
import { dataLayout, ensureDataLayout, sessionPaths } from '../host/session/layout.js';
import { SessionDbs } from '../host/session/session-dbs.js';
import { resolveSession } from '../host/session/session-store.js';
import { requestWake } from '../host/sweep/wake-requests.js';
import { openOutboundForRunner } from '../protocol/session-db.js';
import { startChildHost } from './child-host.js';
import { cpuMs, runnerPids } from './proc.js';

const FOLDER = 'bench';

/** Agent group `bench` (mock) with `n` chats, one idle session each; returns the session ids. */
function seedIdle(dataDir: string, n: number): string[] {
  const layout = dataLayout(dataDir);
  ensureDataLayout(layout);
  const db = openCentralDb(layout.centralDb);
  try {
    upsertAgentGroup(db, { id: 'bench', name: 'bench', folder: FOLDER, provider: 'mock' });
    const ids = db.tx(() =>
      Array.from({ length: n }, (_, i) => {
        const mg = upsertMessagingGroup(db, { channelType: 'bench', platformId: `idle-${i}` });
        const key = {
          agentGroupId: 'bench',
          messagingGroupId: mg.id,
          threadId: null,
          mode: 'shared' as const,
        };
        return resolveSession(db, key).session;
      }),
    );
    // The first session's files through the host's and the runner's own code; the others are copies (creating
    // each one would cost a few fsyncs, minutes for thousands, and measure nothing).
    const dbs = new SessionDbs(db, layout);
    dbs.of(ids[0]!).inbound();
    const template = sessionPaths(layout, FOLDER, ids[0]!.id);
    openOutboundForRunner(template.outboundDb).close();
    dbs.closeAll();
    const files = fs.readdirSync(template.root).filter((f) => f.includes('.db'));
    for (const s of ids.slice(1)) {
      const p = sessionPaths(layout, FOLDER, s.id);
      for (const dir of [p.inbox, p.outbox]) fs.mkdirSync(dir, { recursive: true });
      for (const f of files) fs.copyFileSync(path.join(template.root, f), path.join(p.root, f));
    }
    return ids.map((s) => s.id);
  } finally {
    db.close();
  }
}

function withCentral<T>(dataDir: string, fn: (db: CentralDb) => T): T {
  const db = openCentralDb(dataLayout(dataDir).centralDb);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForRunners(hostPid: number, k: number): Promise<number[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pids = runnerPids(hostPid);
    if (pids.length >= k) return pids;
    if (Date.now() > deadline) throw new Error(`only ${pids.length} of ${k} runners started in 60 s`);
    await sleep(200);
  }
}

interface Case {
  name: 'empty' | 'idle' | 'active';
  dataDir: string;
  wake: string[];
}

interface CpuResult {
  /** Spawn → ready (the URL line), in s. */
  startS: number;
  /** Spawn → the background start-up recovery done, in s. */
  recoveredS: number;
  hostMsPerS: number;
  runnersMsPerS: number;
}

interface TraceResult {
  perS: number;
  sessionPerS: number;
  centralPerS: number;
  sessionsTouched: number;
}

/** Starts the host on the case's data dir (waking its active sessions), lets it settle, then measures. */
async function withHost<T>(
  c: Case,
  mode: DeliveryMode,
  straceTo: string | undefined,
  measure: (hostPid: number, runners: number[], startMs: number, recoveredMs: number) => Promise<T>,
): Promise<T> {
  if (c.wake.length > 0) withCentral(c.dataDir, (db) => c.wake.forEach((id) => requestWake(db, id, 'bench')));
  const host = await startChildHost({
    dataDir: c.dataDir,
    env: { NANOCLAW_SWEEP_INTERVAL_SECONDS: '1', NANOCLAW_DELIVERY_MODE: mode },
    straceTo,
    startTimeoutMs: 600_000,
  });
  try {
    const recoveredMs = await host.recovered(600_000);
    const runners = await waitForRunners(host.pid, c.wake.length);
    await sleep(3000);
    return await measure(host.pid, runners, host.startMs, recoveredMs);
  } finally {
    await host.stop();
  }
}

async function measureCpu(c: Case, mode: DeliveryMode, seconds: number): Promise<CpuResult> {
  return withHost(c, mode, undefined, async (pid, runners, startMs, recoveredMs) => {
    const sum = (pids: number[]) => pids.reduce((t, p) => t + (cpuMs(p) ?? 0), 0);
    const [h0, r0, t0] = [cpuMs(pid)!, sum(runners), performance.now()];
    await sleep(seconds * 1000);
    const s = (performance.now() - t0) / 1000;
    return {
      startS: startMs / 1000,
      recoveredS: recoveredMs / 1000,
      hostMsPerS: (cpuMs(pid)! - h0) / s,
      runnersMsPerS: (sum(runners) - r0) / s,
    };
  });
}

async function measureTrace(c: Case, mode: DeliveryMode, seconds: number): Promise<TraceResult> {
  const file = path.join(os.tmpdir(), `nc-bench-strace-${process.pid}.txt`);
  const window = await withHost(c, mode, file, async () => {
    const from = Date.now() / 1000;
    await sleep(seconds * 1000);
    return { from, to: Date.now() / 1000 };
  });
  const sessionsDir = path.join(c.dataDir, 'sessions', FOLDER) + '/';
  const central = path.join(c.dataDir, 'nanoclaw.db');
  const touched = new Set<string>();
  let all = 0;
  let session = 0;
  let centralCalls = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const t = Number(line.slice(0, line.indexOf(' ')));
    if (!(t >= window.from && t <= window.to) || /^\S+ (\+\+\+|---)/.test(line)) continue;
    all++;
    if (line.includes(central)) centralCalls++;
    const at = line.indexOf(sessionsDir);
    if (at >= 0) {
      session++;
      touched.add(line.slice(at + sessionsDir.length).split(/[/>"]/)[0]!);
    }
  }
  fs.rmSync(file, { force: true });
  const s = window.to - window.from;
  return {
    perS: all / s,
    sessionPerS: session / s,
    centralPerS: centralCalls / s,
    sessionsTouched: touched.size,
  };
}

function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      active: { type: 'string' },
      seconds: { type: 'string' },
      'trace-seconds': { type: 'string' },
    },
  });
  const n = Math.min(20_000, Number(values.sessions ?? 1000));
  const k = Math.min(16, n, Number(values.active ?? 10));
  const seconds = Math.min(300, Number(values.seconds ?? 30));
  const traceSeconds = Math.min(120, Number(values['trace-seconds'] ?? 15));
  const trace = hasStrace();
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-empty-'));
  const idleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-bench-idle-'));
  const load = os.loadavg()[0]!.toFixed(2);
  const ids = seedIdle(idleDir, n);
  const cases: Case[] = [
    { name: 'empty', dataDir: emptyDir, wake: [] },
    { name: 'idle', dataDir: idleDir, wake: [] },
    { name: 'active', dataDir: idleDir, wake: ids.slice(0, k) },
  ];
  const rows: string[] = [];
  try {
    for (const mode of ['notify', 'poll'] as const)
      for (const c of cases) {
        const cpu = await measureCpu(c, mode, seconds);
        const tr = trace ? await measureTrace(c, mode, traceSeconds) : null;
        const f = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));
        const label =
          c.name === 'empty' ? '0 sessions' : c.name === 'idle' ? `${n} idle` : `${n} idle + ${k} running`;
        rows.push(
          `| ${label} | ${mode} | ${f(cpu.startS)} | ${f(cpu.recoveredS)} | ${f(cpu.hostMsPerS)} | ${f(cpu.runnersMsPerS)} | ${f(tr?.perS)} | ${f(tr?.sessionPerS)} | ${f(tr?.centralPerS)} | ${tr?.sessionsTouched ?? '–'} |`,
        );
        console.log(rows[rows.length - 1]);
      }
  } finally {
    fs.rmSync(emptyDir, { recursive: true, force: true });
    fs.rmSync(idleDir, { recursive: true, force: true });
  }
  console.log(
    `\nidle sessions: ${n} sessions, ${k} running in the active case, ${seconds} s CPU windows, ${traceSeconds} s strace windows, sweep every 1 s; ${os.cpus().length} CPUs, node ${process.version}, load average ${load} at start, ${os.loadavg()[0]!.toFixed(2)} at end`,
  );
  console.log(
    '| sessions | mode | host start s | recovery done s | host CPU ms/s | runners CPU ms/s | host syscalls/s | on session files /s | on the central DB /s | sessions touched |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
