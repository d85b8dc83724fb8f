/**
 * The runner's main loop: find the next batch in inbound.db, run it as a turn, repeat.
 *
 * Invariants:
 * - Turns are serialized: the loop awaits each turn before it looks again, so nothing runs concurrently.
 * - The loop looks again right after a turn (rows that came in meanwhile are the next batch), when woken (an
 *   inbound notice), and otherwise every poll interval — the safety net for a lost notice.
 * - Every look first releases the claims of failed pre-task scripts the host has answered (script-reports.ts).
 * - Between turns, kind-'system' rows nobody waits for (late question answers, notices) are acked 'completed';
 *   no question can be waiting then, since questions only live inside a turn.
 * - `stop()` lets the current turn finish, then the loop returns; `abort()` also aborts the running turn.
 * - Every wait is bounded; repeated DB errors end the loop with an error (the host restarts the runner).
 */
import { SystemInContent } from '../../protocol/messages.js';
import { isoNow } from '../../protocol/session-db.js';
import { planBatch } from './batch.js';
import type { InboundReader } from './inbound-reader.js';
import type { Logger } from './logger.js';
import type { OutboundWriter } from './outbound-writer.js';
import type { ScriptReports } from './script-reports.js';
import type { TurnRunner } from './turn.js';
import type { WakeSignal } from './wake-signal.js';

/** How many eligible rows one look reads (bounds memory; see batch.ts for a full window without trigger). */
const ELIGIBLE_WINDOW = 500;
const MAX_CONSECUTIVE_ERRORS = 20;

export interface PollLoopDeps {
  inbound: InboundReader;
  outbound: OutboundWriter;
  turns: TurnRunner;
  /** Failed pre-task scripts whose claims wait for the host (settled on every look). */
  reports: ScriptReports;
  wake: WakeSignal;
  maxBatch: number;
  pollIntervalMs: number;
  log: Logger;
}

export class PollLoop {
  private readonly stopping = new AbortController();
  private readonly aborting = new AbortController();
  private turnRunning = false;

  constructor(private readonly d: PollLoopDeps) {}

  get busy(): boolean {
    return this.turnRunning;
  }

  stop(): void {
    this.stopping.abort();
  }

  abort(): void {
    this.stopping.abort();
    this.aborting.abort();
  }

  async run(): Promise<void> {
    let errors = 0;
    while (!this.stopping.signal.aborted) {
      let worked = false;
      try {
        worked = await this.once();
        errors = 0;
      } catch (err) {
        errors++;
        this.d.log.error({ err, errors }, 'poll iteration failed');
        if (errors >= MAX_CONSECUTIVE_ERRORS) throw err;
      }
      if (!worked && !this.stopping.signal.aborted) {
        await this.d.wake.wait(this.d.pollIntervalMs, this.stopping.signal);
      }
    }
  }

  /** One look at inbound.db; true when it did something (so the loop should look again at once). */
  async once(): Promise<boolean> {
    const { inbound, outbound, log } = this.d;
    this.ackUnclaimedSystemRows();
    this.d.reports.settle();
    const rows = inbound.eligible(isoNow(), ELIGIBLE_WINDOW);
    if (rows.length === 0) return false;
    const plan = planBatch(rows, { maxBatch: this.d.maxBatch, windowFull: rows.length >= ELIGIBLE_WINDOW });
    const housekeeping = [
      ...plan.invalid.map((m) => ({ id: m.row.id, status: 'failed' as const })),
      ...plan.skipped.map((m) => ({ id: m.row.id, status: 'completed' as const })),
    ];
    if (housekeeping.length) {
      outbound.commit({ acks: housekeeping });
      for (const m of plan.invalid)
        log.error({ messageId: m.row.id, reason: m.error }, 'invalid inbound row failed');
      if (plan.skipped.length) log.warn({ count: plan.skipped.length }, 'old accumulated context skipped');
    }
    if (!plan.turn) return housekeeping.length > 0;
    this.turnRunning = true;
    try {
      await this.d.turns.run(plan.turn, this.aborting.signal);
    } finally {
      this.turnRunning = false;
    }
    return true;
  }

  private ackUnclaimedSystemRows(): void {
    const rows = this.d.inbound.pendingSystem();
    if (rows.length === 0) return;
    for (const row of rows) {
      let type = 'unparseable';
      try {
        const parsed = SystemInContent.safeParse(JSON.parse(row.content));
        if (parsed.success) type = parsed.data.type;
      } catch {
        // reported below as unparseable
      }
      this.d.log.info({ messageId: row.id, type }, 'system row with nobody waiting; acknowledged');
    }
    this.d.outbound.commit({ acks: rows.map((r) => ({ id: r.id, status: 'completed' as const })) });
  }
}
