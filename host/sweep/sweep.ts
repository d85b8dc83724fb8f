/**
 * The slow safety sweep over sessions that have a runner (idle sessions cost nothing):
 *   - drain delivery and sync acks (covers lost notices);
 *   - restart a runner whose heartbeat is stale or whose claim is stuck, putting its claimed messages back in
 *     line with backoff (resetClaims);
 *   - stop a runner that has been idle for its agent group's idle timeout.
 * Plus, once at start-up, deliver what runners wrote before a host restart and wake every session that has due
 * work (messages accepted before the restart).
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { OutboundDb } from '../../protocol/session-db.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup, runnerConfigOf } from '../db/agent-groups.js';
import type { Session } from '../db/schema.js';
import type { Delivery } from '../delivery/delivery.js';
import type { RunnerManager } from '../runner/runner-manager.js';
import type { AgentRuntime, RunnerExit } from '../runtime/runtime.js';
import { hasDueWork } from '../session/inbound-writer.js';
import type { SessionDbs } from '../session/session-dbs.js';
import type { SessionManager } from '../session/session-manager.js';
import { getSession, listActiveSessions } from '../session/session-store.js';
import { resetClaims } from './ack-sync.js';
import type { Scheduler } from './scheduler.js';

export interface SweepOptions {
  intervalMs: number;
  idleTimeoutMs: number;
  heartbeatTimeoutMs: number;
  claimTimeoutMs: number;
}

export class Sweep {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly db: CentralDb,
    private readonly dbs: SessionDbs,
    private readonly sessions: SessionManager,
    private readonly delivery: Delivery,
    private readonly runners: RunnerManager,
    private readonly runtime: AgentRuntime,
    private readonly scheduler: Scheduler,
    private readonly opts: SweepOptions,
    private readonly log: Logger,
  ) {
    runtime.onExit((exit) => void this.onRunnerExit(exit));
  }

  /** Start-up recovery, then the periodic tick. */
  async start(): Promise<void> {
    const now = new Date().toISOString();
    let woken = 0;
    for (const session of listActiveSessions(this.db)) {
      try {
        const ref = this.sessions.refOf(session);
        const paths = this.dbs.paths(ref);
        if (!fs.existsSync(paths.inboundDb)) continue;
        if (fs.existsSync(paths.outboundDb)) await this.delivery.drain(session.id);
        this.scheduler.note(session);
        if (hasDueWork(this.dbs.inbound(ref), now)) {
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
    if (woken > 0)
      this.log.info({ sessions: woken }, 'woke sessions with messages accepted before the restart');
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const info of this.runtime.list()) {
        const session = getSession(this.db, info.sessionId);
        if (!session) {
          await this.runtime.stop(info.sessionId, 'session gone');
          continue;
        }
        try {
          await this.delivery.drain(session.id);
          await this.checkRunner(session, info.startedAt);
        } catch (err) {
          this.log.error(
            { sessionId: session.id, err: (err as Error).message },
            'sweep failed for a session',
          );
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  private async checkRunner(session: Session, startedAt: number): Promise<void> {
    const ref = this.sessions.refOf(session);
    const paths = this.dbs.paths(ref);
    const now = Date.now();
    const outbound = this.dbs.outbound(ref);
    const claims = outbound ? processingClaims(outbound) : [];
    const heartbeatAt = mtimeOf(paths.heartbeat) ?? startedAt;
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
      !hasDueWork(this.dbs.inbound(ref), new Date(now).toISOString())
    ) {
      this.log.info({ sessionId: session.id, agentGroup: session.agent_group_id }, 'stopping idle runner');
      await this.runners.stop(session.id, 'idle');
      this.delivery.forget(session.id);
      this.dbs.close(session.id);
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

  private async onRunnerExit(exit: RunnerExit): Promise<void> {
    if (exit.expected) return;
    const session = getSession(this.db, exit.sessionId);
    if (!session || session.status !== 'active') return;
    this.runners.recordCrash(session.id);
    const outbound = this.dbs.outbound(this.sessions.refOf(session));
    await this.delivery.drain(session.id);
    this.requeue(session, outbound ? processingClaims(outbound).map((c) => c.id) : []);
  }

  /** Puts claims back in line and makes sure the session is woken when its work is due (after any backoff). */
  private requeue(session: Session, claimIds: string[]): void {
    const inbound = this.dbs.inbound(this.sessions.refOf(session));
    const failed = resetClaims(inbound, claimIds);
    if (failed > 0) this.log.warn({ sessionId: session.id, failed }, 'messages failed after too many tries');
    const backoff = this.runners.backoffRemaining(session.id);
    const wakeSoon = (): void => {
      const fresh = getSession(this.db, session.id);
      if (!fresh) return;
      this.scheduler.note(fresh);
      if (hasDueWork(inbound, new Date().toISOString())) void this.runners.wake(fresh);
    };
    if (backoff === 0) wakeSoon();
    else setTimeout(wakeSoon, backoff).unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function processingClaims(outbound: OutboundDb): { id: string; since: string }[] {
  return (
    outbound
      .prepare(`SELECT message_id, status_changed FROM processing_ack WHERE status = 'processing'`)
      .all() as {
      message_id: string;
      status_changed: string;
    }[]
  ).map((r) => ({ id: r.message_id, since: r.status_changed }));
}

function mtimeOf(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}
