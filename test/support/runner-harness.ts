/**
 * Plays the host's side of the session contract for agent-runner integration tests: creates a workspace with
 * inbound.db (host writer, even seqs), inserts rows, reads outbound.db read-only, and spawns the real runner
 * (`node dist/container/agent-runner/main.js`) with its JSON log collected. Every runner started here is
 * killed by `stopAll()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {
  isoNow,
  nextEvenSeq,
  openInboundForHost,
  openOutboundForHost,
  type InboundDb,
  type MessageOut,
  type OutboundDb,
} from '../../protocol/session-db.js';
import { workspacePaths, type WorkspacePaths } from '../../protocol/paths.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const RUNNER_MAIN = path.join(REPO, 'dist', 'container', 'agent-runner', 'main.js');
export const TEST_TOKEN = 'test-session-token-0123456789';

/** Polls `probe` until it gives a value. A probe that meets the runner's write lock (SQLITE_BUSY) tries again. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | null | false;
    try {
      v = probe();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
      v = undefined;
    }
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface InsertOptions {
  id?: string;
  sender?: string | null;
  senderName?: string;
  trigger?: 0 | 1;
  channelType?: string;
  platformId?: string;
  threadId?: string | null;
  processAfter?: string | null;
}

export interface OutRow extends MessageOut {
  json: Record<string, unknown>;
}

/** The host's end of one session directory. */
export class HostSide {
  readonly paths: WorkspacePaths;
  readonly inbound: InboundDb;
  private outbound: OutboundDb | null = null;
  private counter = 0;

  constructor(readonly dir: string) {
    this.paths = workspacePaths(dir);
    fs.mkdirSync(this.paths.agent, { recursive: true });
    this.inbound = openInboundForHost(this.paths.inboundDb);
    this.inbound.raw
      .prepare(
        `INSERT OR REPLACE INTO session_routing (id, channel_type, platform_id, thread_id) VALUES (1, 'web', 'chat-1', NULL)`,
      )
      .run();
  }

  static create(prefix = 'nc-runner-'): HostSide {
    return new HostSide(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  }

  private nextSeq(): number {
    const row = this.inbound.raw.prepare('SELECT max(seq) AS m FROM messages_in').get() as {
      m: number | null;
    };
    const out = this.out()?.raw.prepare('SELECT max(seq) AS m FROM messages_out').get() as
      { m: number | null } | undefined;
    return nextEvenSeq(Math.max(row.m ?? 0, out?.m ?? 0));
  }

  private insert(
    kind: 'chat' | 'task' | 'system',
    content: unknown,
    o: InsertOptions,
    extra: { recurrence?: string } = {},
  ): string {
    const id = o.id ?? `in-${++this.counter}-${Date.now().toString(36)}`;
    const seq = this.nextSeq();
    this.inbound.raw
      .prepare(
        `INSERT INTO messages_in (id, seq, kind, timestamp, process_after, recurrence, series_id, trigger,
           channel_type, platform_id, thread_id, content)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        seq,
        kind,
        isoNow(),
        o.processAfter ?? null,
        extra.recurrence ?? null,
        kind === 'task' ? id : null,
        o.trigger ?? 1,
        kind === 'system' ? null : (o.channelType ?? 'web'),
        kind === 'system' ? null : (o.platformId ?? 'chat-1'),
        o.threadId ?? null,
        JSON.stringify(content),
      );
    return id;
  }

  /** A chat row with arbitrary content JSON (for rows the runner must reject). */
  rawChat(content: unknown, o: InsertOptions = {}): string {
    return this.insert('chat', content, o);
  }

  chat(text: string, o: InsertOptions = {}): string {
    return this.insert(
      'chat',
      { text, sender: o.sender === undefined ? 'web:alice' : o.sender, senderName: o.senderName ?? 'Alice' },
      o,
    );
  }

  task(
    prompt: string,
    o: InsertOptions & { status?: 'pending' | 'paused'; recurrence?: string } = {},
  ): string {
    const id = this.insert('task', { prompt }, { processAfter: o.processAfter ?? null, ...o }, o);
    if (o.status)
      this.inbound.raw.prepare('UPDATE messages_in SET status = ? WHERE id = ?').run(o.status, id);
    return id;
  }

  system(content: unknown, o: InsertOptions = {}): string {
    return this.insert('system', content, { trigger: 0, ...o });
  }

  destination(name: string, channelType: string, platformId: string): void {
    this.inbound.raw
      .prepare(`INSERT INTO destinations (name, type, channel_type, platform_id) VALUES (?, 'channel', ?, ?)`)
      .run(name, channelType, platformId);
  }

  out(): OutboundDb | null {
    if (!this.outbound && fs.existsSync(this.paths.outboundDb))
      this.outbound = openOutboundForHost(this.paths.outboundDb);
    return this.outbound;
  }

  rows(): OutRow[] {
    const db = this.out();
    if (!db) return [];
    return (db.raw.prepare('SELECT * FROM messages_out ORDER BY seq').all() as MessageOut[]).map((r) => ({
      ...r,
      json: JSON.parse(r.content) as Record<string, unknown>,
    }));
  }

  repliesTo(id: string): OutRow[] {
    return this.rows().filter((r) => r.in_reply_to === id && r.kind === 'chat');
  }

  systemActions(): Record<string, unknown>[] {
    return this.rows()
      .filter((r) => r.kind === 'system')
      .map((r) => r.json);
  }

  ack(id: string): string | null {
    const row = this.out()?.raw.prepare('SELECT status FROM processing_ack WHERE message_id = ?').get(id) as
      { status: string } | undefined;
    return row?.status ?? null;
  }

  state(key: string): string | null {
    const row = this.out()?.raw.prepare('SELECT value FROM session_state WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  /** Waits for the ack of `id` to reach a final status and returns it. */
  async finished(id: string, timeoutMs = 10_000): Promise<string> {
    return waitFor(
      `ack of ${id}`,
      () => {
        const s = this.ack(id);
        return s === 'completed' || s === 'failed' ? s : null;
      },
      timeoutMs,
    );
  }

  close(): void {
    this.outbound?.close();
    this.inbound.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RunnerProcess {
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9(): Promise<void>;
}

const running = new Set<RunnerProcess>();
// If the test worker ends without its teardown (a crash, a timeout kill), take the runners with it.
process.once('exit', () => {
  for (const r of running) r.proc.kill('SIGKILL');
});

function runnerEnv(workspace: string, env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    NANOCLAW_SESSION_ID: 'sess-1',
    NANOCLAW_AGENT_GROUP_ID: 'ag-1',
    NANOCLAW_ADMIN_USER_IDS: 'web:admin',
    NANOCLAW_WORKSPACE: workspace,
    NANOCLAW_POLL_INTERVAL_MS: '100',
    LOG_LEVEL: 'debug',
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Spawns the runner on a HostSide's workspace, or on a bare directory (no inbound.db yet). */
export function startRunner(
  target: HostSide | string,
  env: Record<string, string | undefined> = {},
): RunnerProcess {
  const dir = typeof target === 'string' ? target : target.dir;
  const proc = spawn(process.execPath, [RUNNER_MAIN], {
    cwd: dir,
    env: runnerEnv(dir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ raw: line });
    }
    for (const l of listeners) l();
  });
  readline.createInterface({ input: proc.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const r: RunnerProcess = {
    proc,
    logs,
    stderr,
    exited,
    waitForLog(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = logs.find(pred);
          if (!hit) return false;
          cleanup();
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`runner log not seen within ${timeoutMs} ms; last: ${JSON.stringify(logs.slice(-5))}`),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(onLine);
        };
        const onLine = (): void => void check();
        if (!check()) listeners.add(onLine);
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const res = await exited;
      running.delete(r);
      return res;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      running.delete(r);
    },
  };
  running.add(r);
  return r;
}

export async function startReadyRunner(
  host: HostSide,
  env: Record<string, string | undefined> = {},
): Promise<RunnerProcess> {
  const r = startRunner(host, env);
  await r.waitForLog((l) => l.msg === 'agent-runner ready');
  return r;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((r) => r.kill9()));
}
