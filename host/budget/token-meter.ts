/**
 * The token meter: counts what the credential proxy saw the model API answer, per agent group and month, and says
 * whether an agent group may make another model call or have a runner started.
 *
 * Invariants:
 * - The proxy's count is the source of truth for budgets and metrics: it is what the model API reported for calls
 *   made with the host's key, keyed by the session the call authenticated as. A runner's own report of its usage
 *   is never counted here (a runner can lie about itself, and must not move another group's numbers).
 * - A budget change (AgentGroup spec.budget, projected into agent_groups) counts at once: every check reads the
 *   stored budget and this month's usage from the central DB.
 * - When a group's budget is reached, `budgetReached` is emitted once per period (claimBudgetNotice), whichever
 *   of the proxy or the waker sees it first; the host tells the chat.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { getAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import { claimBudgetNotice, modelUsageOf, recordModelUsage, usedTokens } from '../db/model-usage.js';
import type { Session } from '../db/schema.js';
import { budgetReached, periodOf } from './budget-period.js';
import type { ModelUsage } from './usage-tap.js';

export type MeteredSession = Pick<Session, 'id' | 'agent_group_id'>;

export interface TokenMeterDeps {
  db: CentralDb;
  /** nanoclaw_model_tokens_total{agent_group,kind}. */
  count(labels: { agent_group: string; kind: string }, by: number): void;
  log: Logger;
  now?: () => Date;
}

export interface TokenMeterEvents {
  /** An agent group's budget was reached (once per group and period): the session that ran into it. */
  budgetReached: [session: MeteredSession, budget: number];
}

export class TokenMeter extends EventEmitter<TokenMeterEvents> {
  constructor(private readonly d: TokenMeterDeps) {
    super();
  }

  /** Records one model call's usage for the session's agent group. */
  record(session: MeteredSession, u: ModelUsage): void {
    const group = session.agent_group_id;
    recordModelUsage(this.d.db, group, this.period(), u);
    const kinds = { input: u.input, output: u.output, cache_read: u.cacheRead, cache_write: u.cacheWrite };
    for (const [kind, n] of Object.entries(kinds)) if (n > 0) this.d.count({ agent_group: group, kind }, n);
  }

  /** Null when the session's agent group may go on; otherwise why not (and the chat is told once a period). */
  refusal(session: MeteredSession): string | null {
    const group = getAgentGroup(this.d.db, session.agent_group_id);
    const budget = group?.budget_monthly_tokens ?? null;
    if (budget === null) return null;
    const period = this.period();
    const used = usedTokens(modelUsageOf(this.d.db, session.agent_group_id, period));
    if (!budgetReached(budget, used)) return null;
    if (claimBudgetNotice(this.d.db, session.agent_group_id, period)) {
      this.d.log.warn(
        { agentGroup: session.agent_group_id, sessionId: session.id, period, used, budget },
        'monthly token budget reached; the agent group is paused until next month or a higher budget',
      );
      this.emit('budgetReached', session, budget);
    }
    return `the monthly token budget of this agent group (${budget} tokens, ${period} UTC) is reached`;
  }

  private period(): string {
    return periodOf((this.d.now ?? (() => new Date()))());
  }
}
