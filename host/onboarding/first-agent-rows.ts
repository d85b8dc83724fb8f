/**
 * The central-DB rows of init-first-agent in embedded mode: the user, their grant, the `dm-with-<name>` agent
 * group with its folder, the DM wiring and the membership.
 *
 * Invariants:
 * - Idempotent: what exists is reused as it is (an agent group, a wiring someone has since edited are not
 *   overwritten), so a second run writes nothing.
 * - The agent group's persona is its `instructions`; the host writes them as CLAUDE.md into the folder when a
 *   runner starts, exactly as for any AgentGroup row.
 * - Rows are runtime rows (source 'runtime'): a manifest loader or operator never prunes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { addMember } from '../access/members.js';
import { getOwners, grantRole } from '../access/roles.js';
import { getAgentGroup, upsertAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import type { MessagingGroup } from '../db/schema.js';
import { upsertUser } from '../db/users.js';
import { listWiringsOf, upsertWiring } from '../db/wirings.js';
import { dataLayout } from '../session/layout.js';
import { DM_WIRING, decideRole, type FirstAgentPlan } from './first-agent-plan.js';
import { createdSince, type Step } from './steps.js';

export function upsertFirstAgentUser(db: CentralDb, plan: FirstAgentPlan): Step {
  const startedAt = nowIso();
  const user = upsertUser(db, plan.userId, plan.displayName);
  return {
    object: 'user',
    id: user.id,
    action: createdSince(user, startedAt) ? 'created' : 'reused',
    detail: user.display_name ?? '',
  };
}

function agentGroupStep(db: CentralDb, plan: FirstAgentPlan): Step {
  const existing = getAgentGroup(db, plan.agentGroupId);
  if (existing)
    return {
      object: 'agent group',
      id: existing.id,
      action: 'reused',
      detail: `${existing.name} (${existing.agent_provider}, ${existing.source})`,
    };
  const holder = db.first(db.q.selectFrom('agent_groups').select('id').where('folder', '=', plan.folder));
  if (holder)
    throw new Error(
      `--name: the folder "${plan.folder}" is already used by agent group "${holder.id}"; folders are never shared`,
    );
  upsertAgentGroup(db, {
    id: plan.agentGroupId,
    name: plan.agentName,
    folder: plan.folder,
    provider: plan.provider,
    instructions: plan.instructions,
  });
  return {
    object: 'agent group',
    id: plan.agentGroupId,
    action: 'created',
    detail: `${plan.agentName} (${plan.provider})`,
  };
}

/** <data>/groups/<folder>/ and the shared global folder, as the projection creates them. */
function folderStep(dataDir: string, folder: string): Step {
  const layout = dataLayout(dataDir);
  const dir = path.join(layout.groupsDir, folder);
  const existed = fs.existsSync(dir);
  for (const d of [layout.globalDir, dir]) fs.mkdirSync(d, { recursive: true });
  return { object: 'folder', id: folder, action: existed ? 'reused' : 'created', detail: dir };
}

function roleStep(db: CentralDb, plan: FirstAgentPlan): Step {
  const decision = decideRole(plan.role, plan.userId, getOwners(db));
  if (decision.grant === null)
    return { object: 'role', id: plan.role, action: 'unchanged', detail: decision.note };
  const granted = grantRole(db, {
    userId: plan.userId,
    role: decision.grant,
    agentGroupId: decision.grant === 'admin' ? plan.agentGroupId : null,
    grantedBy: 'init-first-agent',
  });
  return {
    object: 'role',
    id: decision.grant,
    action: granted ? 'granted' : 'unchanged',
    detail: granted ? decision.note : `already ${decision.note}`,
  };
}

function wiringStep(db: CentralDb, plan: FirstAgentPlan, dm: MessagingGroup): Step {
  const existing = listWiringsOf(db, dm.id).find((w) => w.agent_group_id === plan.agentGroupId);
  const wiring =
    existing ?? upsertWiring(db, { messagingGroupId: dm.id, agentGroupId: plan.agentGroupId, ...DM_WIRING });
  return {
    object: 'wiring',
    id: wiring.id,
    action: existing ? 'reused' : 'created',
    detail: `${dm.id} → ${plan.agentGroupId} (${wiring.engage_mode}${wiring.engage_pattern ? ` '${wiring.engage_pattern}'` : ''}, ${wiring.session_mode} session)`,
  };
}

/** Everything after the user and the DM, in one transaction. */
export function applyFirstAgentRows(
  db: CentralDb,
  dataDir: string,
  plan: FirstAgentPlan,
  dm: MessagingGroup,
): Step[] {
  return db.tx(() => {
    const steps = [agentGroupStep(db, plan), folderStep(dataDir, plan.folder), roleStep(db, plan)];
    steps.push(wiringStep(db, plan, dm));
    const added = addMember(db, {
      userId: plan.userId,
      agentGroupId: plan.agentGroupId,
      addedBy: 'init-first-agent',
    });
    steps.push({
      object: 'membership',
      id: `${plan.userId} in ${plan.agentGroupId}`,
      action: added ? 'created' : 'reused',
      detail: '',
    });
    return steps;
  });
}
