import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgentGroup } from '../db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import type { Session } from '../db/schema.js';
import type { AgentRuntime, RunnerSpec } from '../runtime/runtime.js';
import { dataLayout, type DataLayout } from '../session/layout.js';
import { getSession, resolveSession } from '../session/session-store.js';
import { RUNNER_ENV } from '../../protocol/env.js';
import { RunnerManager, type StartFailure } from './runner-manager.js';

let dir: string;
let layout: DataLayout;
let db: CentralDb;
let session: Session;
let started: RunnerSpec[];
let manager: RunnerManager;

const runtime: AgentRuntime = {
  kind: 'local-process',
  describe: () => ({ runtime: 'local-process', sandbox: 'none' }),
  start: () => Promise.resolve(),
  ensureRunning: (spec) => {
    started.push(spec);
    return Promise.resolve('started');
  },
  stop: () => Promise.resolve(),
  list: () => [],
  isRunning: () => false,
  onExit: () => () => undefined,
  close: () => Promise.resolve(),
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-runner-manager-'));
  layout = dataLayout(dir);
  db = openCentralDb(layout.centralDb);
  upsertAgentGroup(db, { id: 'ag', name: 'A', folder: 'ag', instructions: 'Be brief.' });
  const chat = upsertMessagingGroup(db, { channelType: 'web', platformId: 'main', name: 'Main' });
  session = resolveSession(db, {
    agentGroupId: 'ag',
    messagingGroupId: chat.id,
    threadId: null,
    mode: 'shared',
  }).session;
  started = [];
  manager = new RunnerManager({
    db,
    layout,
    runtime,
    log: pino({ level: 'silent' }),
    hostUrl: 'http://127.0.0.1:1',
    hasApiKey: false,
    pollIntervalMs: 1000,
    logLevel: 'silent',
  });
});
afterEach(() => {
  manager.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('materializing instructions', () => {
  it('writes CLAUDE.md into the agent folder before the runner starts', async () => {
    await manager.wake(session);
    expect(fs.readFileSync(path.join(layout.groupsDir, 'ag', 'CLAUDE.md'), 'utf8')).toBe('Be brief.');
    expect(started).toHaveLength(1);
  });

  it('replaces a CLAUDE.md symlink planted by a runner instead of writing through it to the central DB', async () => {
    const central = fs.readFileSync(layout.centralDb);
    fs.mkdirSync(path.join(layout.groupsDir, 'ag'), { recursive: true });
    fs.symlinkSync(layout.centralDb, path.join(layout.groupsDir, 'ag', 'CLAUDE.md'));
    await manager.wake(session);
    expect(fs.readFileSync(layout.centralDb).equals(central)).toBe(true);
    const file = path.join(layout.groupsDir, 'ag', 'CLAUDE.md');
    expect(fs.lstatSync(file).isFile()).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('Be brief.');
  });

  it('refuses to start a runner whose agent folder was replaced by a symlink', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-elsewhere-'));
    fs.mkdirSync(layout.groupsDir, { recursive: true });
    fs.symlinkSync(elsewhere, path.join(layout.groupsDir, 'ag'));
    const failures: StartFailure[] = [];
    manager.on('startFailed', (_s, f) => failures.push(f));
    await manager.wake(session);
    expect(failures).toEqual([
      expect.objectContaining({ attempt: 1, reason: expect.stringMatching(/not a directory/) }),
    ]);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(started).toEqual([]);
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });
});

describe('a runner that cannot be started', () => {
  let fail: Error | null;
  let failing: RunnerManager;
  beforeEach(() => {
    fail = new Error('pods "runner-x" is forbidden: exceeded quota');
    failing = new RunnerManager({
      db,
      layout,
      runtime: {
        ...runtime,
        ensureRunning: (spec) => {
          started.push(spec);
          spec.issueToken();
          return fail ? Promise.reject(fail) : Promise.resolve('started');
        },
      },
      log: pino({ level: 'silent' }),
      hostUrl: 'http://127.0.0.1:1',
      hasApiKey: false,
      pollIntervalMs: 1000,
      logLevel: 'silent',
    });
  });
  afterEach(() => failing.close());

  it('does not throw into the caller, reports the failure and revokes the token it issued', async () => {
    const failures: StartFailure[] = [];
    failing.on('startFailed', (_s, f) => failures.push(f));
    await failing.wake(session);
    expect(failures).toEqual([{ reason: fail!.message, attempt: 1, retryInMs: expect.any(Number) }]);
    expect(failures[0]!.retryInMs).toBeGreaterThan(1_000);
    expect(getSession(db, session.id)?.runner_token_hash).toBeNull();
  });

  it('does not try again before the backoff and retries by itself once it passed', async () => {
    const failures: StartFailure[] = [];
    failing.on('startFailed', (_s, f) => failures.push(f));
    await failing.wake(session);
    await failing.wake(session);
    expect(started).toHaveLength(1);
    fail = null;
    // The retry comes 2 s after the failure; a loaded machine may take longer to run its timer.
    const deadline = Date.now() + 15_000;
    while (started.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(started).toHaveLength(2);
    expect(failing.backoffRemaining(session.id)).toBe(0);
    expect(failures).toHaveLength(1);
  }, 20_000);
});

describe('the runner limit', () => {
  it('queues sessions beyond the limit first come first, and starts them as runners exit', async () => {
    const running = new Set<string>();
    const capped = new RunnerManager({
      db,
      layout,
      runtime: {
        ...runtime,
        ensureRunning: (spec) => {
          started.push(spec);
          running.add(spec.sessionId);
          return Promise.resolve('started');
        },
        isRunning: (id) => running.has(id),
        list: () => [...running].map((sessionId) => ({ sessionId, specHash: '', startedAt: 0 })),
      },
      log: pino({ level: 'silent' }),
      hostUrl: 'http://127.0.0.1:1',
      hasApiKey: false,
      pollIntervalMs: 1000,
      logLevel: 'silent',
      maxRunners: 1,
    });
    const other = (thread: string) =>
      resolveSession(db, {
        agentGroupId: 'ag',
        messagingGroupId: session.messaging_group_id!,
        threadId: thread,
        mode: 'per-thread',
      }).session;
    const [second, third] = [other('t2'), other('t3')];
    const queued: [string, number][] = [];
    capped.on('queued', (s, waiting) => queued.push([s.id, waiting]));
    await capped.wake(session);
    await capped.wake(second);
    await capped.wake(third);
    await capped.wake(second);
    expect(started.map((s) => s.sessionId)).toEqual([session.id]);
    expect(queued).toEqual([
      [second.id, 1],
      [third.id, 2],
    ]);
    expect(capped.queueDepth()).toBe(2);
    // A runner that is already running is not held back by the limit.
    await capped.wake(session);
    expect(started).toHaveLength(2);
    running.delete(session.id);
    capped.admitQueued();
    await new Promise((r) => setImmediate(r));
    expect(started.map((s) => s.sessionId).slice(2)).toEqual([second.id]);
    expect(capped.queueDepth()).toBe(1);
    capped.close();
  });

  it('holds a group at its own runner.maxConcurrent without holding up other groups', async () => {
    upsertAgentGroup(db, { id: 'busy', name: 'B', folder: 'busy', runner: { maxConcurrent: 1 } });
    upsertAgentGroup(db, { id: 'free', name: 'F', folder: 'free' });
    const running = new Set<string>();
    const capped = new RunnerManager({
      db,
      layout,
      runtime: {
        ...runtime,
        ensureRunning: (spec) => {
          started.push(spec);
          running.add(spec.sessionId);
          return Promise.resolve('started');
        },
        isRunning: (id) => running.has(id),
        list: () => [...running].map((sessionId) => ({ sessionId, specHash: '', startedAt: 0 })),
      },
      log: pino({ level: 'silent' }),
      hostUrl: 'http://127.0.0.1:1',
      hasApiKey: false,
      pollIntervalMs: 1000,
      logLevel: 'silent',
      maxRunners: 10,
    });
    const sessionOf = (agentGroupId: string, thread: string) =>
      resolveSession(db, {
        agentGroupId,
        messagingGroupId: session.messaging_group_id!,
        threadId: thread,
        mode: 'per-thread',
      }).session;
    const [b1, b2, f1] = [sessionOf('busy', '1'), sessionOf('busy', '2'), sessionOf('free', '1')];
    for (const s of [b1, b2, f1]) await capped.wake(s);
    expect(started.map((s) => s.sessionId)).toEqual([b1.id, f1.id]);
    expect(capped.queueDepth()).toBe(1);
    running.delete(f1.id);
    capped.admitQueued();
    await new Promise((r) => setImmediate(r));
    expect(capped.queueDepth()).toBe(1);
    running.delete(b1.id);
    capped.admitQueued();
    await new Promise((r) => setImmediate(r));
    expect(started.map((s) => s.sessionId)).toEqual([b1.id, f1.id, b2.id]);
    capped.close();
  });
});

describe('the agent group’s MCP servers in the runner spec', () => {
  const server = { name: 'files', command: '/usr/bin/mcp-files', args: ['--ro'], env: { ROOT: '/w' } };

  it('passes them as NANOCLAW_MCP_SERVERS, and a change gives another spec hash', () => {
    const none = manager.specFor(session, upsertAgentGroup(db, { id: 'ag', name: 'A', folder: 'ag' }));
    expect(none.env[RUNNER_ENV.mcpServers]).toBeUndefined();
    const group = upsertAgentGroup(db, {
      id: 'ag',
      name: 'A',
      folder: 'ag',
      runner: { mcpServers: [server] },
    });
    const spec = manager.specFor(session, group);
    expect(JSON.parse(spec.env[RUNNER_ENV.mcpServers]!)).toEqual([server]);
    expect(spec.specHash).not.toBe(none.specHash);
    const changed = upsertAgentGroup(db, {
      id: 'ag',
      name: 'A',
      folder: 'ag',
      runner: { mcpServers: [{ ...server, args: [] }] },
    });
    expect(manager.specFor(session, changed).specHash).not.toBe(spec.specHash);
  });
});

describe('the agent group’s egress list in the runner spec', () => {
  it('sets NANOCLAW_EGRESS_PROXY=1 only with a list, and a changed list keeps the runner (the proxy reads it live)', () => {
    const none = manager.specFor(session, upsertAgentGroup(db, { id: 'ag', name: 'A', folder: 'ag' }));
    expect(none.env[RUNNER_ENV.egressProxy]).toBeUndefined();
    const egress = (host: string) =>
      manager.specFor(
        session,
        upsertAgentGroup(db, {
          id: 'ag',
          name: 'A',
          folder: 'ag',
          runner: { egress: [{ host, ports: [443] }] },
        }),
      );
    const github = egress('api.github.com');
    expect(github.env[RUNNER_ENV.egressProxy]).toBe('1');
    expect(JSON.stringify(github.env)).not.toContain('api.github.com');
    expect(github.specHash).not.toBe(none.specHash);
    expect(egress('*.example.com').specHash).toBe(github.specHash);
  });
});
