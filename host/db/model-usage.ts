/**
 * Tokens counted per agent group and month (model_usage, migration 011). Only the credential proxy's counts are
 * written here — what the model API itself answered — never a number a runner reports about itself.
 *
 * Invariants:
 * - Counts only grow within a period; a period's row is created on its first call.
 * - `claimBudgetNotice` is true at most once per agent group and period, so a chat hears "budget reached" once.
 */
import type { ModelUsage } from '../budget/usage-tap.js';
import { totalTokens } from '../budget/usage-tap.js';
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import type { ModelUsageRow } from './schema.js';

export function recordModelUsage(db: CentralDb, agentGroupId: string, period: string, u: ModelUsage): void {
  const now = nowIso();
  db.run(
    db.q
      .insertInto('model_usage')
      .values({
        agent_group_id: agentGroupId,
        period,
        input_tokens: u.input,
        output_tokens: u.output,
        cache_read_tokens: u.cacheRead,
        cache_write_tokens: u.cacheWrite,
        calls: 1,
        notice_sent_at: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['agent_group_id', 'period']).doUpdateSet((eb) => ({
          input_tokens: eb('model_usage.input_tokens', '+', u.input),
          output_tokens: eb('model_usage.output_tokens', '+', u.output),
          cache_read_tokens: eb('model_usage.cache_read_tokens', '+', u.cacheRead),
          cache_write_tokens: eb('model_usage.cache_write_tokens', '+', u.cacheWrite),
          calls: eb('model_usage.calls', '+', 1),
          updated_at: now,
        })),
      ),
  );
}

export function modelUsageOf(db: CentralDb, agentGroupId: string, period: string): ModelUsageRow | undefined {
  return db.first(
    db.q
      .selectFrom('model_usage')
      .selectAll()
      .where('agent_group_id', '=', agentGroupId)
      .where('period', '=', period),
  );
}

export function listModelUsage(db: CentralDb, period: string): ModelUsageRow[] {
  return db.all(
    db.q.selectFrom('model_usage').selectAll().where('period', '=', period).orderBy('agent_group_id'),
  );
}

export function usedTokens(row: ModelUsageRow | undefined): number {
  if (!row) return 0;
  return totalTokens({
    input: row.input_tokens,
    output: row.output_tokens,
    cacheRead: row.cache_read_tokens,
    cacheWrite: row.cache_write_tokens,
  });
}

/** True for the one caller that may tell the chat the budget of `period` is reached. */
export function claimBudgetNotice(db: CentralDb, agentGroupId: string, period: string): boolean {
  return (
    db.run(
      db.q
        .updateTable('model_usage')
        .set({ notice_sent_at: nowIso() })
        .where('agent_group_id', '=', agentGroupId)
        .where('period', '=', period)
        .where('notice_sent_at', 'is', null),
    ).changes > 0
  );
}
