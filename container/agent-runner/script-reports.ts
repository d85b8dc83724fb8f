/**
 * Failed pre-task scripts, reported to the host. A failed script's task row stays claimed ('processing') until the
 * host has recorded the report (a `delivered` row for it in inbound.db): only then has the host moved the row's
 * process_after (the back-off) or paused it, so releasing the claim earlier would run the script again at once.
 *
 * Invariants:
 * - The report (a `task_script_failed` system action) and nothing else is committed when a script fails; the claim
 *   stays.
 * - `settle` releases the claim of every report the host applied; a report the host refused ('failed') acks the row
 *   'failed', so a refused report can never loop. Reports not yet recorded keep their claim.
 * - Held claims live in memory: a restarted runner drops every 'processing' claim at start anyway, and by then the
 *   host has usually applied the report; if not, the script runs once more (at-least-once, like any tool).
 */
import type { InboundReader } from './inbound-reader.js';
import type { Logger } from './logger.js';
import type { OutboundWriter } from './outbound-writer.js';

export class ScriptReports {
  /** Task row id → the outbound row id of its report. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly inbound: InboundReader,
    private readonly outbound: OutboundWriter,
    private readonly log: Logger,
  ) {}

  /** Reports the failed script of task row `rowId` (already claimed) and keeps the claim. */
  report(rowId: string, error: string): void {
    const [written] = this.outbound.commit({
      messages: [{ kind: 'system', content: { action: 'task_script_failed', taskId: rowId, error } }],
    });
    this.held.set(rowId, written!.id);
    this.log.warn({ messageId: rowId, reason: error }, 'pre-task script failed; reported to the host');
  }

  /** Releases the claims the host has answered. */
  settle(): void {
    if (this.held.size === 0) return;
    const recorded = this.inbound.deliveryOf([...this.held.values()]);
    const release: string[] = [];
    const refused: string[] = [];
    for (const [rowId, outId] of this.held) {
      const status = recorded.get(outId);
      if (status === undefined) continue;
      (status === 'delivered' ? release : refused).push(rowId);
      this.held.delete(rowId);
    }
    this.outbound.release(release);
    if (refused.length) {
      this.outbound.commit({ acks: refused.map((id) => ({ id, status: 'failed' as const })) });
      this.log.error(
        { messageIds: refused },
        'the host refused a script failure report; the task run failed',
      );
    }
  }
}
