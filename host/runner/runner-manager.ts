/**
 * Starts, replaces and stops runners through the configured runtime, and answers "which session is this token?".
 *
 * Invariants:
 * - A runner's env carries NANOCLAW_ADMIN_USER_IDS as of its start. The spec hash covers it, so a wake after the
 *   admin set changed replaces the runner before the new message is processed.
 * - Each runner start issues a fresh session token; only its hash is stored, and the previous token stops working.
 * - A token works only while its runner runs: the runtime's exit report (deliberate stops included) revokes it.
 *   Both runtimes report a runner's exit before they start its successor, so a revocation never hits the
 *   successor's token. (A Kubernetes host that shuts down leaves pods running and their tokens valid for adoption.)
 * - A runner that keeps crashing, or cannot be started at all, is retried with growing delays
 *   (restart-backoff.ts). A failed start never throws into the caller — the message that woke the session is
 *   already stored — it is logged, reported as a `startFailed` event (attempt 1 = the first of a streak) and
 *   retried on a timer until a start succeeds or the session is gone. The failed start's token is revoked.
 * - At most `maxRunners` runners run (or are being started) at once, and at most the agent group's
 *   `runner.maxConcurrent` of one group. A session that needs one beyond that waits in a first-come queue (a
 *   session whose group is at its own limit does not hold up sessions of other groups) (a `queued` event lets the sweep stop idle runners for it) and is started as soon as a
 *   runner exits; its messages stay accepted meanwhile, so routing never waits for a slot.
 * - A session whose agent group is over its monthly token budget gets no runner (a running one is stopped); it is
 *   held and woken once the budget allows again (budget/budget-pause.ts).
 * - No model API key goes into a runner's env: ANTHROPIC_BASE_URL points at this host's credential proxy. Remote
 *   MCP servers are named only (mcp/runner-servers.ts): their URLs and headers stay with the host.
 * - CLAUDE.md and the skills (.claude/skills/, skill-files.ts) are written into the agent folder only through
 *   session/safe-fs.ts: no symlink there or on the way to it is followed. A skill that cannot be written never
 *   stops a runner from starting; it is logged.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Logger } from 'pino';
import { PROXY_PATH_PREFIX, RUNNER_ENV } from '../../protocol/env.js';
import { adminUserIdsFor } from '../access/access.js';
import { BudgetPause } from '../budget/budget-pause.js';
import type { TokenMeter } from '../budget/token-meter.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup, runnerConfigOf } from '../db/agent-groups.js';
import type { AgentGroup, Session } from '../db/schema.js';
import { runnerMcpServers } from '../mcp/runner-servers.js';
import type { AgentRuntime, RunnerSpec } from '../runtime/runtime.js';
import { GLOBAL_SUBPATH, groupSubPath, sessionSubPath, type DataLayout } from '../session/layout.js';
import { readFileInside, writeFileInside } from '../session/safe-fs.js';
import { getSession, sessionsWithRunnerToken, setRunnerTokenHash } from '../session/session-store.js';
import { RestartBackoff } from './restart-backoff.js';
import { writeSkills } from './skill-files.js';
import { hashToken, newSessionToken } from './session-token.js';

const INSTRUCTIONS_FILE = 'CLAUDE.md';

export interface RunnerManagerOptions {
  db: CentralDb;
  layout: DataLayout;
  runtime: AgentRuntime;
  log: Logger;
  /** The URL runners reach the host's runner port on. */
  hostUrl: string;
  hasApiKey: boolean;
  pollIntervalMs: number;
  logLevel: string;
  /** Runners at once (NANOCLAW_MAX_RUNNERS); unlimited when absent. */
  maxRunners?: number;
  /** Monthly token budgets: whether a group may run, and how often a paused session is looked at again. */
  budget?: { meter: TokenMeter; checkMs: number };
}

export interface StartFailure {
  reason: string;
  /** 1 for the first failed start since the last successful one. */
  attempt: number;
  retryInMs: number;
}

export interface RunnerManagerEvents {
  startFailed: [session: Session, failure: StartFailure];
  /** A session waits for a runner slot; `waiting` sessions are queued in all. */
  queued: [session: Session, waiting: number];
}

export class RunnerManager extends EventEmitter<RunnerManagerEvents> {
  private readonly backoff = new RestartBackoff();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** Sessions waiting for a runner slot, in arrival order. */
  private readonly queue = new Map<string, Session>();
  /** Sessions whose start is in flight (not yet in runtime.list()), counted against the limits. */
  private readonly starting = new Set<string>();
  private readonly warnedMock = new Set<string>();
  private readonly paused: BudgetPause | null;

  constructor(private readonly o: RunnerManagerOptions) {
    super();
    const meter = o.budget?.meter;
    this.paused = meter
      ? new BudgetPause({
          refusal: (session) => meter.refusal(session),
          checkMs: o.budget!.checkMs,
          current: (id) => getSession(o.db, id),
          wake: (session) => this.wake(session),
          log: o.log,
        })
      : null;
    meter?.on('budgetReached', (session) => {
      this.pauseGroup(session.agent_group_id).catch((err: unknown) =>
        o.log.error(
          { agentGroup: session.agent_group_id, err: (err as Error).message },
          'pausing runners failed',
        ),
      );
    });
  }

  /**
   * Stops the runners of an agent group whose budget was just reached and holds their sessions: what they were
   * given stays for when the budget allows again.
   */
  private async pauseGroup(agentGroupId: string): Promise<void> {
    for (const info of this.o.runtime.list()) {
      const session = getSession(this.o.db, info.sessionId);
      if (session?.agent_group_id === agentGroupId && this.paused?.holds(session))
        await this.stop(session.id, 'budget reached');
    }
  }

  /** Ensures a runner runs for the session (deduplicating concurrent calls), honouring crash backoff. */
  wake(session: Session): Promise<void> {
    const inflight = this.pending.get(session.id);
    if (inflight) return inflight;
    const p = this.doWake(session).finally(() => this.pending.delete(session.id));
    this.pending.set(session.id, p);
    return p;
  }

  /** Whether the session is held because its agent group's budget is reached (budget-pause.ts). */
  isHeld(sessionId: string): boolean {
    return this.paused?.isHeld(sessionId) ?? false;
  }

  /** Milliseconds until the session may be started again after crashes (0 = now). */
  backoffRemaining(sessionId: string, now = Date.now()): number {
    return this.backoff.remaining(sessionId, now);
  }

  recordCrash(sessionId: string, now = Date.now()): void {
    this.backoff.recordCrash(sessionId, now);
  }

  /** Drops what is remembered about a session whose runner was stopped on purpose (idle). */
  forget(sessionId: string): void {
    this.backoff.forget(sessionId);
  }

  /** Cancels pending start retries and forgets the queue (host shutdown). */
  close(): void {
    this.paused?.close();
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
    this.queue.clear();
  }

  /** Sessions waiting for a runner slot. */
  queueDepth(): number {
    return this.queue.size;
  }

  /** A runner exited (subscribed by the host): waiting sessions take the free slots, first come first. */
  admitQueued(): void {
    for (const [id, session] of this.queue) {
      if (!this.hasSlot()) return;
      const group = getAgentGroup(this.o.db, session.agent_group_id);
      if (group && !this.groupHasSlot(group)) continue;
      this.queue.delete(id);
      this.wake(getSession(this.o.db, id) ?? session).catch((e: unknown) =>
        this.o.log.error({ sessionId: id, err: (e as Error).message }, 'queued runner start failed'),
      );
    }
  }

  private hasSlot(): boolean {
    return this.o.runtime.list().length + this.starting.size < (this.o.maxRunners ?? Infinity);
  }

  private groupHasSlot(group: AgentGroup): boolean {
    const max = runnerConfigOf(group).maxConcurrent;
    if (max === undefined) return true;
    const ids = new Set([...this.o.runtime.list().map((r) => r.sessionId), ...this.starting]);
    let running = 0;
    for (const id of ids) if (getSession(this.o.db, id)?.agent_group_id === group.id) running++;
    return running < max;
  }

  private async doWake(session: Session): Promise<void> {
    if (this.backoffRemaining(session.id) > 0) return;
    if (this.paused?.holds(session)) {
      if (this.o.runtime.isRunning(session.id)) await this.stop(session.id, 'budget reached');
      return;
    }
    const group = getAgentGroup(this.o.db, session.agent_group_id);
    if (!group) throw new Error(`agent group ${session.agent_group_id} of session ${session.id} is gone`);
    const fresh = !this.o.runtime.isRunning(session.id);
    if (fresh && (!this.hasSlot() || !this.groupHasSlot(group))) {
      if (this.queue.has(session.id)) return;
      this.queue.set(session.id, session);
      this.o.log.info(
        { sessionId: session.id, agentGroup: group.id, waiting: this.queue.size, max: this.o.maxRunners },
        'runner queued: the runner limit is reached (NANOCLAW_MAX_RUNNERS or the group’s runner.maxConcurrent)',
      );
      this.emit('queued', session, this.queue.size);
      return;
    }
    let result;
    if (fresh) this.starting.add(session.id);
    try {
      this.materializeInstructions(group);
      this.materializeSkills(group);
      result = await this.o.runtime.ensureRunning(this.specFor(session, group));
    } catch (err) {
      this.startFailed(session, err);
      return;
    } finally {
      if (fresh) this.starting.delete(session.id);
    }
    const failedBefore = this.backoff.startSucceeded(session.id);
    if (failedBefore > 0)
      this.o.log.info({ sessionId: session.id, failedBefore }, 'runner started after failed attempts');
    if (result === 'replaced') {
      this.o.log.info(
        { sessionId: session.id, agentGroup: group.id },
        'runner replaced: its configuration changed',
      );
    }
  }

  private startFailed(session: Session, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.revokeToken(session.id);
    const attempt = this.backoff.recordStartFailure(session.id, Date.now());
    const retryInMs = this.backoffRemaining(session.id);
    this.o.log.error(
      { sessionId: session.id, agentGroup: session.agent_group_id, attempt, retryInMs, err: reason },
      'runner could not be started; will retry',
    );
    clearTimeout(this.retries.get(session.id));
    const timer = setTimeout(() => {
      this.retries.delete(session.id);
      const fresh = getSession(this.o.db, session.id);
      if (fresh?.status === 'active')
        this.wake(fresh).catch((e: unknown) =>
          this.o.log.error({ sessionId: session.id, err: (e as Error).message }, 'runner start retry failed'),
        );
    }, retryInMs);
    timer.unref();
    this.retries.set(session.id, timer);
    this.emit('startFailed', session, { reason, attempt, retryInMs });
    // The failed start's slot is free once the caller's bookkeeping is done.
    setImmediate(() => this.admitQueued());
  }

  specFor(session: Session, group: AgentGroup): RunnerSpec {
    const runner = runnerConfigOf(group);
    const provider = this.effectiveProvider(group);
    const hostUrl = this.o.hostUrl;
    const env: Record<string, string> = {
      [RUNNER_ENV.sessionId]: session.id,
      [RUNNER_ENV.agentGroupId]: group.id,
      [RUNNER_ENV.adminUserIds]: adminUserIdsFor(this.o.db, group.id).join(','),
      [RUNNER_ENV.hostUrl]: hostUrl,
      [RUNNER_ENV.provider]: provider,
      [RUNNER_ENV.pollIntervalMs]: String(this.o.pollIntervalMs),
      [RUNNER_ENV.anthropicBaseUrl]: `${hostUrl}${PROXY_PATH_PREFIX}`,
      [RUNNER_ENV.logLevel]: this.o.logLevel,
      ...(group.model ? { [RUNNER_ENV.model]: group.model } : {}),
      ...(runner.mcpServers?.length
        ? { [RUNNER_ENV.mcpServers]: JSON.stringify(runnerMcpServers(runner.mcpServers)) }
        : {}),
      ...(runner.egress?.length ? { [RUNNER_ENV.egressProxy]: '1' } : {}),
    };
    const extraEnv = (runner.env ?? []).filter((e) => !/^(NANOCLAW_|ANTHROPIC_)/.test(e.name));
    const specHash = createHash('sha256')
      .update(JSON.stringify([env, extraEnv, runner.image ?? null, runner.resources ?? null]))
      .digest('hex')
      .slice(0, 16);
    return {
      sessionId: session.id,
      agentGroupId: group.id,
      folder: group.folder,
      sessionSubPath: sessionSubPath(group.folder, session.id),
      agentSubPath: groupSubPath(group.folder),
      globalSubPath: GLOBAL_SUBPATH,
      env,
      extraEnv,
      ...(runner.image ? { image: runner.image } : {}),
      ...(runner.resources ? { resources: runner.resources } : {}),
      specHash,
      issueToken: () => {
        const token = newSessionToken();
        setRunnerTokenHash(this.o.db, session.id, hashToken(token));
        return token;
      },
    };
  }

  /** `claude` needs the host to hold an API key; without one the group runs the mock provider (warned once). */
  private effectiveProvider(group: AgentGroup): 'claude' | 'mock' {
    if (group.agent_provider === 'claude' && !this.o.hasApiKey) {
      if (!this.warnedMock.has(group.id)) {
        this.warnedMock.add(group.id);
        this.o.log.warn(
          { agentGroup: group.id },
          'no ANTHROPIC_API_KEY configured: this agent group runs the mock provider until one is set',
        );
      }
      return 'mock';
    }
    return group.agent_provider;
  }

  /**
   * The group's instructions become CLAUDE.md in its folder (written only when they differ). The folder is
   * runner-writable, so whatever is at CLAUDE.md (a symlink, a huge file) is replaced, never followed.
   */
  private materializeInstructions(group: AgentGroup): void {
    if (group.instructions === null) return;
    const file = path.posix.join(groupSubPath(group.folder), INSTRUCTIONS_FILE);
    const current = readFileInside(this.o.layout.dataDir, file, Buffer.byteLength(group.instructions));
    if (current !== group.instructions) writeFileInside(this.o.layout.dataDir, file, group.instructions);
  }

  /** The group's skills into <folder>/.claude/skills/; a change is logged once, a bad skill at warn. */
  private materializeSkills(group: AgentGroup): void {
    try {
      const done = writeSkills(this.o.layout.dataDir, group.folder, runnerConfigOf(group).skills ?? []);
      for (const { name, problem } of done.written) {
        if (problem)
          this.o.log.warn({ agentGroup: group.id, skill: name, reason: problem }, 'skill is not usable');
        else this.o.log.info({ agentGroup: group.id, skill: name }, 'skill written to the agent folder');
      }
      for (const name of done.removed)
        this.o.log.info({ agentGroup: group.id, skill: name }, 'skill removed from the agent folder');
    } catch (err) {
      this.o.log.warn(
        { agentGroup: group.id, reason: (err as Error).message },
        'skills could not be written to the agent folder',
      );
    }
  }

  /**
   * Once the runtime knows what runs (after its start): tokens of sessions without a runner are revoked — a pod
   * deleted (or force-deleted) while no host watched, a runner killed with its host. Returns how many.
   */
  revokeStaleTokens(): number {
    let revoked = 0;
    for (const id of sessionsWithRunnerToken(this.o.db)) {
      if (this.o.runtime.isRunning(id)) continue;
      this.revokeToken(id);
      revoked++;
    }
    if (revoked > 0) this.o.log.info({ revoked }, 'revoked the tokens of runners that are gone');
    return revoked;
  }

  /** The session's runner stopped: its token no longer opens the channel or the credential proxy. */
  revokeToken(sessionId: string): void {
    setRunnerTokenHash(this.o.db, sessionId, null);
  }

  stop(sessionId: string, reason: string): Promise<void> {
    return this.o.runtime.stop(sessionId, reason);
  }
}
