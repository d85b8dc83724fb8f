/**
 * Applies an AgentGroup's declared peers (spec.peers): one agent destination per peer (agent_destinations, type
 * 'agent', source 'crd', the AgentGroup's uid), so the agent may message that peer and sees it among its
 * destinations. Only declared peers become agent destinations.
 *
 * Rules:
 * - A peer whose AgentGroup is not in the DB — or whose row belongs to an object that is gone — is left out
 *   (PeerNotFound); the other peers are still applied. It is added once the peer is projected (the operator
 *   re-projects agent groups waiting for a peer).
 * - Peers are resolved in the AgentGroup's own namespace (ids.ts): there are no cross-namespace references.
 * - Projected agent destinations of peers no longer declared are removed; runtime rows are never touched.
 */
import { getAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { ensureAgentDestination, listDestinations } from '../../host/db/destinations.js';
import { deleteDestination } from '../../host/db/provenance.js';
import type { DesiredAgentGroup } from './desired.js';
import type { ApplyContext, Problem } from './types.js';

export function applyPeers(
  db: CentralDb,
  d: DesiredAgentGroup,
  ctx: ApplyContext,
  generation: number,
): Problem[] {
  const problems: Problem[] = [];
  const wanted = new Set<string>();
  const provenance = { source: 'crd' as const, sourceUid: d.ref.uid, sourceGeneration: generation };
  for (const p of d.peers) {
    const peer = getAgentGroup(db, p.agentGroupId);
    const gone = peer?.source === 'crd' && peer.source_uid !== null && !ctx.isLive(peer.source_uid);
    if (!peer || gone) {
      problems.push({
        reason: 'PeerNotFound',
        field: `spec.peers[${p.index}].agentGroup`,
        message: `peer AgentGroup "${p.agentGroupName}" is not in the central DB (missing, or not Ready)`,
      });
      continue;
    }
    wanted.add(p.agentGroupId);
    ensureAgentDestination(db, d.id, p.agentGroupId, p.localName, provenance);
  }
  for (const dest of listDestinations(db, d.id)) {
    if (dest.target_type !== 'agent' || dest.source !== 'crd' || wanted.has(dest.target_id)) continue;
    deleteDestination(db, d.id, 'agent', dest.target_id);
  }
  return problems;
}
