import { InputError } from '../errors.js';
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import { RunnerConfig, type EgressEntry } from './runner-config.js';
import type { AgentGroup } from './schema.js';
import {
  FOLDER_PATTERN,
  PROVIDERS,
  RESERVED_FOLDERS,
  type Provider,
  type RowSource,
} from '../../protocol/vocabulary.js';

export interface AgentGroupInput {
  id: string;
  name: string;
  folder: string;
  provider?: Provider;
  model?: string | null;
  instructions?: string | null;
  runner?: RunnerConfig;
  /** Tokens a calendar month (UTC) may use; null or absent: no budget. */
  budgetMonthlyTokens?: number | null;
  source?: RowSource;
  sourceUid?: string | null;
  sourceGeneration?: number | null;
}

function validateFolder(folder: string): void {
  if (!FOLDER_PATTERN.test(folder) || folder.length > 63) {
    throw new InputError(
      'invalid_folder',
      'folder',
      `folder ${JSON.stringify(folder)} must be a DNS label: 1-63 of [a-z0-9-], starting and ending alphanumeric`,
    );
  }
  if ((RESERVED_FOLDERS as readonly string[]).includes(folder)) {
    throw new InputError(
      'invalid_folder',
      'folder',
      `folder "${folder}" is reserved for the shared global volume`,
    );
  }
}

export function getAgentGroup(db: CentralDb, id: string): AgentGroup | undefined {
  return db.first(db.q.selectFrom('agent_groups').selectAll().where('id', '=', id));
}

export function requireAgentGroup(db: CentralDb, id: string, field = 'agentGroup'): AgentGroup {
  const group = getAgentGroup(db, id);
  if (!group) throw new InputError('unknown_agent_group', field, `agent group "${id}" does not exist`);
  return group;
}

export function listAgentGroups(db: CentralDb): AgentGroup[] {
  return db.all(db.q.selectFrom('agent_groups').selectAll().orderBy('id'));
}

export function runnerConfigOf(group: AgentGroup): RunnerConfig {
  const parsed = RunnerConfig.safeParse(JSON.parse(group.container_config));
  return parsed.success ? parsed.data : {};
}

/** The agent group's spec.egress as projected; empty for a group without one (or no such group). */
export function egressRulesOf(db: CentralDb, id: string): EgressEntry[] {
  const group = getAgentGroup(db, id);
  return (group && runnerConfigOf(group).egress) ?? [];
}

/** Inserts or updates an agent group by id. The folder of an existing group never changes. */
export function upsertAgentGroup(db: CentralDb, input: AgentGroupInput): AgentGroup {
  validateFolder(input.folder);
  const provider = input.provider ?? 'claude';
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new InputError('invalid_wiring', 'provider', `provider must be one of ${PROVIDERS.join(', ')}`);
  }
  const runner = RunnerConfig.parse(input.runner ?? {});
  const budget = input.budgetMonthlyTokens ?? null;
  if (budget !== null && !(Number.isSafeInteger(budget) && budget >= 1)) {
    throw new InputError(
      'invalid_budget',
      'budget.monthlyTokens',
      `budget.monthlyTokens must be a whole number of tokens, at least 1 (got ${String(budget)})`,
    );
  }
  const now = nowIso();
  const source = input.source ?? 'runtime';
  return db.tx(() => {
    const existing = getAgentGroup(db, input.id);
    if (existing && existing.folder !== input.folder) {
      throw new InputError(
        'invalid_folder',
        'folder',
        `agent group "${input.id}" already uses folder "${existing.folder}"; a folder cannot change`,
      );
    }
    const values = {
      name: input.name,
      agent_provider: provider,
      model: input.model ?? null,
      instructions: input.instructions ?? null,
      container_config: JSON.stringify(runner),
      // Absent (a runtime edit that does not name it) keeps the stored budget; the projection always names it.
      ...('budgetMonthlyTokens' in input ? { budget_monthly_tokens: budget } : {}),
      source,
      source_uid: input.sourceUid ?? null,
      source_generation: input.sourceGeneration ?? null,
      updated_at: now,
    };
    if (existing) db.run(db.q.updateTable('agent_groups').set(values).where('id', '=', input.id));
    else
      db.run(
        db.q
          .insertInto('agent_groups')
          .values({ id: input.id, folder: input.folder, created_at: now, ...values }),
      );
    return getAgentGroup(db, input.id)!;
  });
}
