/**
 * Applies a desired MessagingGroup: one messaging_groups row, one wiring per resolvable agent, and the agent
 * destinations those wirings create — all with source 'crd' and the object's uid.
 *
 * Ownership rules:
 * - The chat (channel, platformId) is found by uid first. A chat row owned by another live MessagingGroup is a
 *   ChatConflict; one left by a deleted object is taken over (sessions keep their chat).
 * - A runtime chat row (the router auto-created it, or a cold DM) is adopted only while it has no wirings;
 *   with runtime wirings it is ChatOwnedByRuntime and nothing is written.
 * - A wiring to an agent group that is not in the DB is left out (AgentGroupNotFound); a runtime wiring for the
 *   same agent is kept as is (WiringOwnedByRuntime). Other wirings are still applied.
 * - Wirings (and the 'crd' destinations they created) of agents no longer listed are removed; runtime
 *   destinations are kept.
 * - channel/platformId of a projected row never change (ChatImmutable; the API server refuses it anyway).
 * - A chat is claimed first-come across every watched namespace; messages name the holder only through
 *   describeHolder, so another namespace's MessagingGroup or agent group is never named.
 */
import { getAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { ensureChannelDestination, findDestination } from '../../host/db/destinations.js';
import {
  findMessagingGroup,
  getMessagingGroup,
  upsertMessagingGroup,
} from '../../host/db/messaging-groups.js';
import { newId } from '../../host/db/ids.js';
import {
  claimChannelDestinations,
  destinationsTo,
  crdMessagingGroupOf,
  deleteDestination,
  totalChanges,
} from '../../host/db/provenance.js';
import type { MessagingGroup, Wiring } from '../../host/db/schema.js';
import { deleteWiring, listWiringsOf, upsertWiring } from '../../host/db/wirings.js';
import type { DesiredMessagingGroup, DesiredWiring } from './desired.js';
import { targetGeneration } from './generation.js';
import { describeHolder, outcomeOf, type ApplyContext, type Outcome, type Problem } from './types.js';

/** The agent groups of runtime wirings, each named as describeHolder allows (they may be another tenant's). */
function wiredTo(db: CentralDb, wirings: Wiring[], d: DesiredMessagingGroup, ctx: ApplyContext): string {
  // A wiring's agent group exists: the foreign key cascades.
  const names = wirings.map((w) => describeHolder(ctx, getAgentGroup(db, w.agent_group_id)!, d.ref));
  return [...new Set(names)].join(', ');
}

type ChatClaim = { row: MessagingGroup | undefined } | { problem: Problem };

function claimChat(db: CentralDb, d: DesiredMessagingGroup, ctx: ApplyContext): ChatClaim {
  const chat = `${d.channelType}/${d.platformId}`;
  const existing = findMessagingGroup(db, d.channelType, d.platformId);
  if (existing?.source === 'crd' && existing.source_uid === d.ref.uid) return { row: existing }; // the usual case
  const mine = crdMessagingGroupOf(db, d.ref.uid);
  if (mine) {
    if (mine.channel_type !== d.channelType || mine.platform_id !== d.platformId) {
      return {
        problem: {
          reason: 'ChatImmutable',
          field: 'spec.platformId',
          message: `this MessagingGroup is projected as chat ${mine.channel_type}/${mine.platform_id}; channel and platformId cannot change — delete and re-create it`,
        },
      };
    }
    return { row: mine };
  }
  if (!existing) return { row: undefined };
  if (existing.source === 'crd') {
    if (existing.source_uid && ctx.isLive(existing.source_uid)) {
      return {
        problem: {
          reason: 'ChatConflict',
          field: 'spec.platformId',
          message: `chat ${chat} is already declared by ${describeHolder(ctx, existing, d.ref)}; one chat has one MessagingGroup`,
        },
      };
    }
    return { row: existing };
  }
  const runtimeWirings = listWiringsOf(db, existing.id);
  if (runtimeWirings.length > 0) {
    return {
      problem: {
        reason: 'ChatOwnedByRuntime',
        field: 'spec.platformId',
        message: `chat ${chat} was registered at run time and is wired to ${wiredTo(db, runtimeWirings, d, ctx)}; remove that runtime chat (or its wirings) to manage it with this MessagingGroup`,
      },
    };
  }
  return { row: existing }; // an unwired runtime chat (router auto-creation, cold DM): adopted
}

function sameChat(row: MessagingGroup, d: DesiredMessagingGroup): boolean {
  return (
    row.name === d.name &&
    row.is_group === (d.isGroup ? 1 : 0) &&
    row.unknown_sender_policy === d.unknownSenderPolicy &&
    row.source === 'crd'
  );
}

function sameWiring(w: Wiring, d: DesiredWiring): boolean {
  return (
    w.engage_mode === d.engageMode &&
    w.engage_pattern === d.engagePattern &&
    w.sender_scope === d.senderScope &&
    w.ignored_messages === d.ignoredMessages &&
    w.session_mode === d.sessionMode &&
    w.priority === d.priority
  );
}

/** A free row id for a new chat: the object's id unless some other row already has it. */
function newChatId(db: CentralDb, d: DesiredMessagingGroup): string {
  return getMessagingGroup(db, d.id) ? newId('mg') : d.id;
}

export function applyMessagingGroup(db: CentralDb, d: DesiredMessagingGroup, ctx: ApplyContext): Outcome {
  const before = totalChanges(db);
  const problems: Problem[] = [...d.problems];
  const observed: Record<string, string | number> = {};
  db.tx(() => {
    const claim = claimChat(db, d, ctx);
    if ('problem' in claim) {
      problems.unshift(claim.problem);
      return;
    }
    const row = claim.row;
    const existingWirings = row ? listWiringsOf(db, row.id) : [];
    const existingFor = (w: DesiredWiring) =>
      existingWirings.find((e) => e.agent_group_id === w.agentGroupId);
    const resolvable = d.wirings.filter((w) => {
      if (!getAgentGroup(db, w.agentGroupId)) {
        problems.push({
          reason: 'AgentGroupNotFound',
          field: `spec.agents[${w.index}].agentGroup`,
          message: `AgentGroup "${w.agentGroupName}" is not in the central DB (missing, or not Ready)`,
        });
        return false;
      }
      if (existingFor(w)?.source === 'runtime') {
        problems.push({
          reason: 'WiringOwnedByRuntime',
          field: `spec.agents[${w.index}]`,
          message: `agent group "${w.agentGroupId}" is already wired to this chat at run time; that wiring is kept as is`,
        });
        return false;
      }
      return true;
    });
    const wanted = new Set(resolvable.map((w) => w.agentGroupId));
    const contentSame =
      row !== undefined &&
      sameChat(row, d) &&
      resolvable.every((w) => {
        const ex = existingFor(w);
        return ex !== undefined && sameWiring(ex, w);
      }) &&
      existingWirings.every((e) => e.source !== 'crd' || wanted.has(e.agent_group_id));
    const generation = targetGeneration(d.ref, row, contentSame);
    const provenance = { source: 'crd' as const, sourceUid: d.ref.uid, sourceGeneration: generation };

    const id = row?.id ?? newChatId(db, d);
    if (!row || !sameChat(row, d) || row.source_uid !== d.ref.uid || row.source_generation !== generation) {
      upsertMessagingGroup(db, {
        id,
        channelType: d.channelType,
        platformId: d.platformId,
        name: d.name,
        isGroup: d.isGroup,
        unknownSenderPolicy: d.unknownSenderPolicy,
        ...provenance,
      });
    }
    const mg = getMessagingGroup(db, id)!;
    observed.messagingGroupId = id;

    for (const w of resolvable) {
      const ex = existingFor(w);
      const current =
        ex && sameWiring(ex, w) && ex.source_uid === d.ref.uid && ex.source_generation === generation;
      if (current) {
        // The wiring is as wanted; its destination may have been removed by hand: bring it back.
        if (!findDestination(db, w.agentGroupId, 'channel', id))
          ensureChannelDestination(db, w.agentGroupId, mg, provenance);
        continue;
      }
      upsertWiring(db, {
        messagingGroupId: id,
        agentGroupId: w.agentGroupId,
        engageMode: w.engageMode,
        engagePattern: w.engagePattern,
        senderScope: w.senderScope,
        ignoredMessages: w.ignoredMessages,
        sessionMode: w.sessionMode,
        priority: w.priority,
        ...provenance,
      });
    }
    for (const ex of existingWirings) {
      if (ex.source === 'crd' && !wanted.has(ex.agent_group_id)) deleteWiring(db, id, ex.agent_group_id);
    }
    claimChannelDestinations(db, id, d.ref.uid, generation);
    for (const dest of destinationsTo(db, 'channel', id)) {
      if (dest.source === 'crd' && dest.source_uid === d.ref.uid && !wanted.has(dest.agent_group_id)) {
        deleteDestination(db, dest.agent_group_id, 'channel', id);
      }
    }
    observed.wiredAgents = wanted.size;
  });
  const chat = `${d.channelType}/${d.platformId}`;
  return outcomeOf(
    problems,
    totalChanges(db) - before,
    observed,
    `chat ${chat} is wired to ${observed.wiredAgents ?? 0} agent(s)`,
  );
}
