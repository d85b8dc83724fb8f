/**
 * Applies a desired AgentGroup: one agent_groups row with source 'crd', and its folder on disk.
 *
 * Never touched: a runtime row with the same id (IdConflict), a row owned by another live object (IdConflict),
 * the folder of an existing row (FolderImmutable), a folder another agent group uses (FolderConflict).
 * A row left by a deleted object with the same id is taken over (same folder only). No write when nothing changed.
 * Declared peers become agent destinations (apply-peers.ts); a missing peer is a problem, the rest still applies.
 * Skills left out (desired-skills.ts: a missing ConfigMap, a bad SKILL.md) are problems in the same way, and so are
 * `path` skills whose folder holds no usable skill right now (path-skills.ts; those stay in the runner config).
 * Several namespaces watched: the folder is namespaced (ids.ts), so a FolderConflict is, in practice, between two
 * objects of one namespace; a row projected before that keeps its un-namespaced folder. Conflict messages name
 * other objects only through describeHolder (never one of another namespace).
 */
import fs from 'node:fs';
import path from 'node:path';
import { getAgentGroup, upsertAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { mcpStatusOf } from '../../host/db/mcp-status.js';
import { totalChanges } from '../../host/db/provenance.js';
import { RunnerConfig } from '../../host/db/runner-config.js';
import type { AgentGroup } from '../../host/db/schema.js';
import { applyPeers } from './apply-peers.js';
import type { DesiredAgentGroup } from './desired.js';
import { targetGeneration } from './generation.js';
import { mcpCondition } from './mcp-condition.js';
import { pathSkillProblems } from './path-skills.js';
import { describeHolder, outcomeOf, type ApplyContext, type Outcome, type Problem } from './types.js';

const GLOBAL_FOLDER = 'global';

function groupsDir(dataDir: string): string {
  return path.join(dataDir, 'groups');
}

function folderUser(db: CentralDb, folder: string): AgentGroup | undefined {
  return db.first(db.q.selectFrom('agent_groups').selectAll().where('folder', '=', folder));
}

function sameContent(row: AgentGroup, d: DesiredAgentGroup): boolean {
  return (
    row.name === d.name &&
    row.agent_provider === d.provider &&
    row.model === d.model &&
    row.instructions === d.instructions &&
    row.budget_monthly_tokens === d.budgetMonthlyTokens &&
    row.container_config === JSON.stringify(RunnerConfig.parse(d.runner))
  );
}

/**
 * The folder this object's row keeps: the desired one, or — for a row projected before folders were namespaced
 * (same id, so the same namespace and name) — the un-namespaced folder it already has.
 */
function folderOf(byId: AgentGroup | undefined, d: DesiredAgentGroup): string {
  return byId && d.legacyFolder !== null && byId.folder === d.legacyFolder ? byId.folder : d.folder;
}

function conflict(
  db: CentralDb,
  d: DesiredAgentGroup,
  folder: string,
  ctx: ApplyContext,
): Problem | undefined {
  const byId = getAgentGroup(db, d.id);
  if (byId?.source === 'runtime') {
    return {
      reason: 'IdConflict',
      message: `agent group "${d.id}" already exists as a runtime row (created by the host); rename this AgentGroup or delete that agent group`,
    };
  }
  if (byId && byId.source_uid !== d.ref.uid && byId.source_uid && ctx.isLive(byId.source_uid)) {
    return {
      reason: 'IdConflict',
      message: `agent group "${d.id}" is already projected from ${describeHolder(ctx, byId, d.ref)}`,
    };
  }
  if (byId && byId.folder !== folder) {
    return {
      reason: 'FolderImmutable',
      field: 'spec.folder',
      message: `agent group "${d.id}" already uses folder "${byId.folder}"; a folder cannot change — delete and re-create the AgentGroup to move it`,
    };
  }
  const user = folderUser(db, folder);
  if (user && user.id !== d.id) {
    return {
      reason: 'FolderConflict',
      field: 'spec.folder',
      message: `folder "${folder}" is already used by ${describeHolder(ctx, user, d.ref)}; folders are never shared`,
    };
  }
  return undefined;
}

/** Creates <dataDir>/groups/<folder>/ and <dataDir>/groups/global/ (kept when the agent group goes). */
function ensureFolders(dataDir: string, folder: string): void {
  for (const dir of [GLOBAL_FOLDER, folder]) {
    const full = path.join(groupsDir(dataDir), dir);
    if (!fs.existsSync(full)) fs.mkdirSync(full, { recursive: true });
  }
}

export function applyAgentGroup(db: CentralDb, d: DesiredAgentGroup, ctx: ApplyContext): Outcome {
  const before = totalChanges(db);
  const folder = folderOf(getAgentGroup(db, d.id), d);
  const observed = { agentGroupId: d.id, folder };
  const peerProblems: Problem[] = [];
  const problem = db.tx(() => {
    const bad = conflict(db, d, folder, ctx);
    if (bad) return bad;
    try {
      ensureFolders(ctx.dataDir, folder);
    } catch (err) {
      return {
        reason: 'FolderError',
        message: `cannot create folder "${folder}": ${(err as Error).message}`,
      };
    }
    const row = getAgentGroup(db, d.id);
    const same = row !== undefined && sameContent(row, d);
    const generation = targetGeneration(d.ref, row, same);
    if (!(row && same && row.source_uid === d.ref.uid && row.source_generation === generation)) {
      upsertAgentGroup(db, {
        id: d.id,
        name: d.name,
        folder,
        provider: d.provider,
        model: d.model,
        instructions: d.instructions,
        runner: d.runner,
        budgetMonthlyTokens: d.budgetMonthlyTokens,
        source: 'crd',
        sourceUid: d.ref.uid,
        sourceGeneration: generation,
      });
    }
    peerProblems.push(...applyPeers(db, d, ctx, generation));
    return undefined;
  });
  const outcome = outcomeOf(
    problem
      ? [problem]
      : [...peerProblems, ...d.skillProblems, ...pathSkillProblems(ctx.dataDir, folder, d.skillPaths)],
    totalChanges(db) - before,
    observed,
    `agent group "${d.id}" uses folder "${folder}"`,
  );
  const mcp = problem
    ? undefined
    : mcpCondition(
        (d.runner.mcpServers ?? []).map((s) => s.name),
        mcpStatusOf(db, d.id),
      );
  return mcp ? { ...outcome, conditions: [mcp] } : outcome;
}
