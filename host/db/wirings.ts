/**
 * Wirings connect a messaging group (a chat) to an agent group. Creating one also makes the chat a
 * destination of the agent (see destinations.ts); removing a wiring keeps that destination.
 */
import { InputError } from '../errors.js';
import { requireAgentGroup } from './agent-groups.js';
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import { ensureChannelDestination, type Provenance } from './destinations.js';
import { newId } from './ids.js';
import { requireMessagingGroup } from './messaging-groups.js';
import { type Wiring } from './schema.js';
import {
  ENGAGE_MODES,
  IGNORED_MESSAGE_POLICIES,
  SENDER_SCOPES,
  SESSION_MODES,
  type EngageMode,
  type IgnoredMessagePolicy,
  type SenderScope,
  type SessionMode,
} from '../../protocol/vocabulary.js';

export interface WiringInput extends Provenance {
  messagingGroupId: string;
  agentGroupId: string;
  engageMode?: EngageMode;
  engagePattern?: string | null;
  senderScope?: SenderScope;
  ignoredMessages?: IgnoredMessagePolicy;
  sessionMode?: SessionMode;
  priority?: number;
}

function oneOf(field: string, value: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) {
    throw new InputError(
      'invalid_wiring',
      field,
      `${field} ${JSON.stringify(value)} must be one of ${allowed.join(', ')}`,
    );
  }
}

/** Checks the trigger rules the DB cannot: the pattern must compile with the router's regex engine. */
function validateWiring(input: WiringInput): void {
  const mode = input.engageMode ?? 'mention';
  oneOf('engage.mode', mode, ENGAGE_MODES);
  oneOf('senderScope', input.senderScope ?? 'all', SENDER_SCOPES);
  oneOf('ignoredMessages', input.ignoredMessages ?? 'drop', IGNORED_MESSAGE_POLICIES);
  oneOf('sessionMode', input.sessionMode ?? 'shared', SESSION_MODES);
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority) || priority < -1000 || priority > 1000) {
    throw new InputError('invalid_wiring', 'priority', 'priority must be an integer from -1000 to 1000');
  }
  const pattern = input.engagePattern ?? null;
  if (mode === 'pattern') {
    if (!pattern)
      throw new InputError(
        'invalid_wiring',
        'engage.pattern',
        'engage.pattern is required when mode is pattern',
      );
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new InputError(
        'invalid_wiring',
        'engage.pattern',
        `engage.pattern does not compile: ${(err as Error).message}`,
      );
    }
  } else if (pattern !== null) {
    throw new InputError(
      'invalid_wiring',
      'engage.pattern',
      `engage.pattern is only allowed when mode is pattern`,
    );
  }
}

function findWiring(db: CentralDb, messagingGroupId: string, agentGroupId: string): Wiring | undefined {
  return db.first(
    db.q
      .selectFrom('messaging_group_agents')
      .selectAll()
      .where('messaging_group_id', '=', messagingGroupId)
      .where('agent_group_id', '=', agentGroupId),
  );
}

/** Wirings of a chat, highest priority first (ties by agent group id, so the order is stable). */
export function listWiringsOf(db: CentralDb, messagingGroupId: string): Wiring[] {
  return db.all(
    db.q
      .selectFrom('messaging_group_agents')
      .selectAll()
      .where('messaging_group_id', '=', messagingGroupId)
      .orderBy('priority', 'desc')
      .orderBy('agent_group_id'),
  );
}

/** Every wiring, by chat, then highest priority first. */
export function listWirings(db: CentralDb): Wiring[] {
  return db.all(
    db.q
      .selectFrom('messaging_group_agents')
      .selectAll()
      .orderBy('messaging_group_id')
      .orderBy('priority', 'desc')
      .orderBy('agent_group_id'),
  );
}

/** Creates or updates the wiring for (chat, agent) and ensures the companion destination row, atomically. */
export function upsertWiring(db: CentralDb, input: WiringInput): Wiring {
  validateWiring(input);
  return db.tx(() => {
    const mg = requireMessagingGroup(db, input.messagingGroupId);
    requireAgentGroup(db, input.agentGroupId);
    const now = nowIso();
    const values = {
      engage_mode: input.engageMode ?? 'mention',
      engage_pattern: input.engageMode === 'pattern' ? (input.engagePattern ?? null) : null,
      sender_scope: input.senderScope ?? 'all',
      ignored_messages: input.ignoredMessages ?? 'drop',
      session_mode: input.sessionMode ?? 'shared',
      priority: input.priority ?? 0,
      source: input.source ?? 'runtime',
      source_uid: input.sourceUid ?? null,
      source_generation: input.sourceGeneration ?? null,
      updated_at: now,
    } as const;
    const existing = findWiring(db, mg.id, input.agentGroupId);
    if (existing)
      db.run(db.q.updateTable('messaging_group_agents').set(values).where('id', '=', existing.id));
    else
      db.run(
        db.q.insertInto('messaging_group_agents').values({
          id: newId('wire'),
          messaging_group_id: mg.id,
          agent_group_id: input.agentGroupId,
          created_at: now,
          ...values,
        }),
      );
    ensureChannelDestination(db, input.agentGroupId, mg, input);
    return findWiring(db, mg.id, input.agentGroupId)!;
  });
}

export function deleteWiring(db: CentralDb, messagingGroupId: string, agentGroupId: string): boolean {
  return (
    db.run(
      db.q
        .deleteFrom('messaging_group_agents')
        .where('messaging_group_id', '=', messagingGroupId)
        .where('agent_group_id', '=', agentGroupId),
    ).changes > 0
  );
}
