/**
 * The slow safety sweep over sessions that have a runner (idle sessions cost nothing):
 *   - drain delivery and sync acks (covers lost notices);
 *   - restart a runner whose heartbeat is stale or whose claim is stuck, putting its claimed messages back in
 *     line with backoff (resetClaims);
 *   - stop a runner that has been idle for its agent group's idle timeout.
 * Plus, once at start-up and in the background, deliver what runners wrote before a host restart and wake every
 * session that has due work (messages accepted before the restart); and each tick, wake the sessions CLI verbs
 * asked for.
 *
 * Invariants: nothing here rejects into the host — every failure is logged with its session id. A session whose
 * files fault (a lock, a full disk, a damaged file: session/session-faults.ts) is left alone with a per-session
 * back-off, so it never slows the sweep of the others, and is picked up again once the fault is gone.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup, runnerConfigOf } from '../db/agent-groups.js';
import type { Session } from '../db/schema.js';
import type { Delivery } from '../delivery/delivery.js';
import type { RunnerManager } from '../runner/runner-manager.js';
import type { AgentRuntime, RunnerExit } from '../runtime/runtime.js';
import { hasDueWork } from '../session/inbound-writer.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { SessionDbs, SessionHandle } from '../session/session-dbs.js';
import { getSession, listActiveSessions } from '../session/session-store.js';
import { FaultBackoff, sessionFaultReason } from '../session/session-faults.js';
import { compactInbound, vacuumInbound, type KeepPolicy } from '../session/session-compaction.js';
import { processingClaims, resetClaims } from './claims.js';
import { closeSession, retentionPassDue, STALE_PER_PASS, staleSessions } from './retention.js';
import { takeWakeRequests } from './wake-requests.js';

/** Start-up recovery lets the event loop serve requests after this many sessions. */
const RECOVERY_YIELD_EVERY = 10;

export interface SweepOptions {
  intervalMs: number;
  /** Close sessions quiet for longer than this (0: keep them forever). */
  retentionMs: number;
  /** What a session's DBs keep when they are compacted (after a runner exits, when the session is closed). */
  keep: KeepPolicy;
  idleTimeoutMs: number;
  heartbeatTimeoutMs: number;
  claimTimeoutMs: number;
}

export interface SweepEvents {
  /** Messages of a session were given up on after its runner failed on them too many times. */
  processingFailed: [session: Session, messages: number];
}

export class Sweep extends EventEmitter<SweepEvents> {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private evicting = false;
  private lastRetentionPass = 0;
  private closed = false;
  private recovery: Promise<void> = Promise.resolve();
  private readonly backoff = new FaultBackoff();

  constructor(
    private readonly db: CentralDb,
    private readonly dbs: SessionDbs,
    private readonly delivery: Delivery,
    private readonly runners: RunnerManager,
    private readonly runtime: AgentRuntime,
    private readonly scheduler: Scheduler,
    private readonly opts: SweepOptions,
    private readonly log: Logger,
  ) {
    super();
  }

  /**
   * Starts the periodic tick and, in the background, the start-up recovery: the host serves while it runs (a
   * message for a session not yet looked at wakes that session itself), so start-up does not grow with sessions.
   */
  start(): void {
    this.timer = setInterval(
      () => void this.tick().catch((err: unknown) => this.log.error({ err }, 'sweep tick failed')),
      this.opts.intervalMs,
    );
    this.timer.unref();
    this.recovery = this.recover();
  }

  /** Delivers what runners wrote before a restart and wakes every session with due work, yielding between sessions. */
  private async recover(): Promise<void> {
    const started = Date.now();
    const now = new Date(started).toISOString();
    const sessions = listActiveSessions(this.db);
    let woken = 0;
    for (const [i, session] of sessions.entries()) {
      if (this.closed) return;
      if (i % RECOVERY_YIELD_EVERY === RECOVERY_YIELD_EVERY - 1) await new Promise(setImmediate);
      try {
        const handle = this.dbs.of(session);
        if (!fs.existsSync(handle.paths.inboundDb)) continue;
        if (fs.existsSync(handle.paths.outboundDb)) await this.delivery.drain(session.id);
        this.scheduler.note(session);
        if (!this.closed && hasDueWork(handle.inbound(), now)) {
          await this.runners.wake(session);
          woken++;
        }
      } catch (err) {
        this.log.error(
          { sessionId: session.id, err: (err as Error).message },
          'start-up recovery failed for a session',
        );
      }
    }
    this.log.info(
      { sessions: sessions.length, woken, ms: Date.now() - started },
      'start-up recovery done: delivered what runners left, woke sessions with messages accepted before the restart',
    );
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.takeWakeRequests();
      this.closeStale();
      if (this.runners.queueDepth() > 0) await this.evictIdle(this.runners.queueDepth());
      for (const info of this.runtime.list()) {
        const session = getSession(this.db, info.sessionId);
        if (!session) {
          await this.runtime.stop(info.sessionId, 'session gone');
          continue;
        }
        if (this.backoff.waiting(session.id)) continue;
        try {
          await this.delivery.drain(session.id);
          await this.checkRunner(this.dbs.of(session), info.startedAt);
          this.backoff.succeeded(session.id);
        } catch (err) {
          this.failed(session.id, err, 'sweep failed for a session');
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Session retention (retention.ts): quiet sessions without a runner or a wake-up are closed. */
  private closeStale(): void {
    const now = Date.now();
    if (!retentionPassDue(this.lastRetentionPass, now, this.opts.retentionMs)) return;
    this.lastRetentionPass = now;
    const cutoff = new Date(now - this.opts.retentionMs).toISOString();
    const stale = staleSessions(this.db, cutoff);
    // A full page means more are waiting: the next tick takes the next page instead of waiting for the interval.
    if (stale.length === STALE_PER_PASS) this.lastRetentionPass = 0;
    for (const session of stale) {
      if (this.runtime.isRunning(session.id)) continue;
      closeSession(this.db, session.id);
      this.compact(session, true);
      this.dbs.close(session.id);
      this.runners.forget(session.id);
      this.delivery.forget(session.id);
      this.log.info(
        { sessionId: session.id, agentGroup: session.agent_group_id, lastActive: session.last_active },
        'session closed: quiet for longer than NANOCLAW_SESSION_RETENTION_DAYS',
      );
    }
  }

  /**
   * Bounds a session's inbound.db (session/session-compaction.ts) while no runner runs; a closed session's file is
   * also vacuumed. A failure is logged and costs nothing but disk: the next exit tries again.
   */
  private compact(session: Session, vacuum: boolean): void {
    try {
      const handle = this.dbs.of(session);
      if (!fs.existsSync(handle.paths.inboundDb)) return;
      const inbound = handle.inbound();
      const pruned = compactInbound(inbound, handle.outbound(), this.opts.keep, new Date());
      const before = vacuum ? fs.statSync(handle.paths.inboundDb).size : 0;
      if (vacuum) vacuumInbound(inbound);
      if (pruned.prunedMessages + pruned.prunedDelivered > 0 || vacuum)
        this.log.info(
          {
            sessionId: session.id,
            ...pruned,
            ...(vacuum ? { bytesBefore: before, bytesAfter: fs.statSync(handle.paths.inboundDb).size } : {}),
          },
          vacuum ? 'closed session compacted' : 'session compacted',
        );
    } catch (err) {
      this.log.warn({ sessionId: session.id, err: (err as Error).message }, 'compacting a session failed');
    }
  }

  /** Sessions a CLI verb asked to look at (host/sweep/wake-requests.ts). */
  private async takeWakeRequests(): Promise<void> {
    for (const req of takeWakeRequests(this.db)) {
      const session = getSession(this.db, req.session_id);
      if (!session) continue;
      this.log.info({ sessionId: session.id, reason: req.reason }, 'waking a session on request');
      try {
        await this.runners.wake(session);
      } catch (err) {
        this.log.error({ sessionId: session.id, err: (err as Error).message }, 'requested wake failed');
      }
    }
  }

  /**
   * Sessions wait for a runner slot: stops up to `wanted` runners that have nothing to do right now (no claim, no
   * due work), least recently active first, whatever their idle timeout. Their exits admit the waiting sessions.
   */
  async evictIdle(wanted: number): Promise<void> {
    if (this.evicting) return;
    this.evicting = true;
    try {
      await this.evictUpTo(wanted);
    } finally {
      this.evicting = false;
    }
  }

  private async evictUpTo(wanted: number): Promise<void> {
    const now = new Date().toISOString();
    const candidates = this.runtime
      .list()
      .map((info) => getSession(this.db, info.sessionId))
      .filter((s): s is Session => s !== undefined)
      .sort((a, b) => a.last_active.localeCompare(b.last_active));
    let evicted = 0;
    for (const session of candidates) {
      if (evicted >= wanted) return;
      try {
        const handle = this.dbs.of(session);
        const outbound = handle.outbound();
        if ((outbound && processingClaims(outbound).length > 0) || hasDueWork(handle.inbound(), now))
          continue;
        this.log.info({ sessionId: session.id }, 'stopping an idle runner: a waiting session needs its slot');
        await this.stopIdle(session, 'evicted for a waiting session');
        evicted++;
      } catch (err) {
        this.failed(session.id, err, 'could not evict an idle runner');
      }
    }
  }

  private async stopIdle(session: Session, reason: string): Promise<void> {
    await this.runners.stop(session.id, reason);
    if (!this.runtime.isRunning(session.id)) this.compact(session, false);
    this.runners.forget(session.id);
    this.delivery.forget(session.id);
    this.dbs.close(session.id);
  }

  private async checkRunner(handle: SessionHandle, startedAt: number): Promise<void> {
    const { session } = handle;
    const now = Date.now();
    const outbound = handle.outbound();
    const claims = outbound ? processingClaims(outbound) : [];
    // A heartbeat file older than this runner was left by its predecessor: the new one has until its own start
    // plus the timeout to touch it.
    const heartbeatAt = Math.max(mtimeOf(handle.paths.heartbeat) ?? 0, startedAt);
    if (now - heartbeatAt > this.opts.heartbeatTimeoutMs) {
      return this.restart(session, claims, 'stale heartbeat');
    }
    const stuck = claims.find((c) => now - Date.parse(c.since) > this.opts.claimTimeoutMs);
    if (stuck) return this.restart(session, claims, 'stuck claim');

    const group = getAgentGroup(this.db, session.agent_group_id);
    const idleMs = group
      ? (runnerConfigOf(group).idleTimeoutSeconds ?? 0) * 1000 || this.opts.idleTimeoutMs
      : 0;
    const lastActive = Math.max(Date.parse(session.last_active), startedAt);
    if (
      claims.length === 0 &&
      now - lastActive > idleMs &&
      !hasDueWork(handle.inbound(), new Date(now).toISOString())
    ) {
      this.log.info({ sessionId: session.id, agentGroup: session.agent_group_id }, 'stopping idle runner');
      await this.stopIdle(session, 'idle');
    }
  }

  private async restart(session: Session, claims: { id: string }[], reason: string): Promise<void> {
    this.log.warn({ sessionId: session.id, reason, claims: claims.length }, 'restarting runner');
    this.runners.recordCrash(session.id);
    await this.runners.stop(session.id, reason);
    this.requeue(
      session,
      claims.map((c) => c.id),
    );
  }

  /**
   * A runner exited on its own: deliver what it left, then put its claims back in line (subscribed by the host).
   * Never rejects: a crashed runner's files may be in any state.
   */
  async onRunnerExit(exit: RunnerExit): Promise<void> {
    if (exit.expected) return;
    const session = getSession(this.db, exit.sessionId);
    if (!session || session.status !== 'active') return;
    this.runners.recordCrash(session.id);
    await this.cleanUpAfterExit(session.id);
  }

  /**
   * Delivers what a crashed runner left and puts its claims back in line. A failure is retried with the
   * session's back-off until it succeeds (or the session is gone or has a runner again, whose stuck claims
   * `checkRunner` handles): otherwise the claimed messages would wait for an answer that never comes.
   */
  private async cleanUpAfterExit(sessionId: string): Promise<void> {
    try {
      const session = getSession(this.db, sessionId);
      if (!session || session.status !== 'active' || this.runtime.isRunning(sessionId)) return;
      await this.delivery.drain(sessionId);
      // Opened only now: the drain may have rolled back the runner's unfinished commit, which reopens the file.
      const outbound = this.dbs.of(session).outbound();
      this.requeue(session, outbound ? processingClaims(outbound).map((c) => c.id) : []);
      this.backoff.succeeded(sessionId);
      this.compact(session, false);
    } catch (err) {
      const retryInMs = this.failed(sessionId, err, 'clean-up after a runner exit failed; will retry', true);
      setTimeout(() => void this.cleanUpAfterExit(sessionId), retryInMs).unref();
    }
  }

  /**
   * Logs a failure for a session; a file fault (or any failure, with `alwaysBackOff`) starts or extends the
   * session's back-off. Returns the back-off in ms (0: none).
   */
  private failed(sessionId: string, err: unknown, msg: string, alwaysBackOff = false): number {
    const fault = sessionFaultReason(err);
    const retryInMs = fault || alwaysBackOff ? this.backoff.failed(sessionId) : 0;
    this.log.error({ sessionId, err: (err as Error).message, fault, retryInMs }, msg);
    return retryInMs;
  }

  /** Puts claims back in line and makes sure the session is woken when its work is due (after any backoff). */
  private requeue(session: Session, claimIds: string[]): void {
    const inbound = this.dbs.of(session).inbound();
    const failed = resetClaims(inbound, claimIds);
    if (failed > 0) {
      this.log.warn({ sessionId: session.id, failed }, 'messages failed after too many tries');
      this.emit('processingFailed', session, failed);
    }
    const backoff = this.runners.backoffRemaining(session.id);
    const wakeSoon = (): void => {
      const fresh = getSession(this.db, session.id);
      if (!fresh) return;
      this.scheduler.note(fresh);
      // The handle is taken again: after a back-off the one above may have been closed.
      if (hasDueWork(this.dbs.of(fresh).inbound(), new Date().toISOString()))
        this.runners
          .wake(fresh)
          .catch((err: unknown) => this.failed(fresh.id, err, 'waking a runner failed'));
    };
    const safeWakeSoon = (): void => {
      try {
        wakeSoon();
      } catch (err) {
        this.failed(session.id, err, 'waking a runner failed');
      }
    };
    if (backoff === 0) safeWakeSoon();
    else setTimeout(safeWakeSoon, backoff).unref();
  }

  /** Stops the tick and waits for the start-up recovery to stop (it wakes nothing after this). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.recovery;
  }
}

function mtimeOf(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}
