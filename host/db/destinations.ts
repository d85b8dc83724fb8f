/**
 * agent_destinations is both the routing map and the ACL of an agent group: a row (agent, target) means the
 * agent may send to that target, under its own local name. Names live in the agent group's namespace.
 */
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import type { AgentDestination, MessagingGroup } from './schema.js';
import type { RowSource } from '../../protocol/vocabulary.js';

/** Lower-case; each run of characters outside [a-z0-9] becomes one '-'; no leading/trailing '-'; '' → 'unnamed'. */
export function normalizeLocalName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name || 'unnamed';
}

/** `base`, else `base-2`, `base-3`, … — the first not in `taken`. */
export function pickFreeLocalName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The name a messaging group is known by to the agents wired to it. */
function destinationBaseName(mg: Pick<MessagingGroup, 'id' | 'name' | 'channel_type'>): string {
  return normalizeLocalName(mg.name ?? `${mg.channel_type}-${mg.id.slice(0, 8)}`);
}

export function listDestinations(db: CentralDb, agentGroupId: string): AgentDestination[] {
  return db.all(
    db.q
      .selectFrom('agent_destinations')
      .selectAll()
      .where('agent_group_id', '=', agentGroupId)
      .orderBy('local_name'),
  );
}

export function findDestination(
  db: CentralDb,
  agentGroupId: string,
  targetType: 'channel' | 'agent',
  targetId: string,
): AgentDestination | undefined {
  return db.first(
    db.q
      .selectFrom('agent_destinations')
      .selectAll()
      .where('agent_group_id', '=', agentGroupId)
      .where('target_type', '=', targetType)
      .where('target_id', '=', targetId),
  );
}

export interface Provenance {
  source?: RowSource;
  sourceUid?: string | null;
  sourceGeneration?: number | null;
}

/**
 * Ensures agent → messaging group is a destination. An existing row for the same target is kept as is
 * (its name may have been chosen earlier); otherwise a collision-free local name is picked.
 */
export function ensureChannelDestination(
  db: CentralDb,
  agentGroupId: string,
  mg: Pick<MessagingGroup, 'id' | 'name' | 'channel_type'>,
  provenance: Provenance = {},
): AgentDestination {
  return db.tx(() => {
    const existing = findDestination(db, agentGroupId, 'channel', mg.id);
    if (existing) return existing;
    const taken = new Set(listDestinations(db, agentGroupId).map((d) => d.local_name));
    const localName = pickFreeLocalName(destinationBaseName(mg), taken);
    db.run(
      db.q.insertInto('agent_destinations').values({
        agent_group_id: agentGroupId,
        local_name: localName,
        target_type: 'channel',
        target_id: mg.id,
        source: provenance.source ?? 'runtime',
        source_uid: provenance.sourceUid ?? null,
        source_generation: provenance.sourceGeneration ?? null,
        created_at: nowIso(),
      }),
    );
    return findDestination(db, agentGroupId, 'channel', mg.id)!;
  });
}

/**
 * Ensures agent → agent is a destination under `wantedName` (collision-broken against the agent group's other
 * destinations). A runtime row for the same target is kept as is; a projected one is renamed or re-owned in place.
 */
export function ensureAgentDestination(
  db: CentralDb,
  agentGroupId: string,
  targetAgentGroupId: string,
  wantedName: string,
  provenance: Provenance = {},
): AgentDestination {
  return db.tx(() => {
    const existing = findDestination(db, agentGroupId, 'agent', targetAgentGroupId);
    if (existing?.source === 'runtime') return existing;
    const taken = new Set(
      listDestinations(db, agentGroupId)
        .filter((d) => !(d.target_type === 'agent' && d.target_id === targetAgentGroupId))
        .map((d) => d.local_name),
    );
    const localName = pickFreeLocalName(normalizeLocalName(wantedName), taken);
    const row = {
      agent_group_id: agentGroupId,
      local_name: localName,
      target_type: 'agent' as const,
      target_id: targetAgentGroupId,
      source: provenance.source ?? 'runtime',
      source_uid: provenance.sourceUid ?? null,
      source_generation: provenance.sourceGeneration ?? null,
      created_at: existing?.created_at ?? nowIso(),
    };
    if (
      existing &&
      existing.local_name === row.local_name &&
      existing.source === row.source &&
      existing.source_uid === row.source_uid &&
      existing.source_generation === row.source_generation
    )
      return existing;
    if (existing)
      db.run(
        db.q
          .deleteFrom('agent_destinations')
          .where('agent_group_id', '=', agentGroupId)
          .where('target_type', '=', 'agent')
          .where('target_id', '=', targetAgentGroupId),
      );
    db.run(db.q.insertInto('agent_destinations').values(row));
    return findDestination(db, agentGroupId, 'agent', targetAgentGroupId)!;
  });
}
