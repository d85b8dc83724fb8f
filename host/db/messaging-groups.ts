import { InputError } from '../errors.js';
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import { newId } from './ids.js';
import { type MessagingGroup } from './schema.js';
import {
  CHANNEL_PATTERN,
  UNKNOWN_SENDER_POLICIES,
  type RowSource,
  type UnknownSenderPolicy,
} from '../../protocol/vocabulary.js';

export interface MessagingGroupInput {
  id?: string;
  channelType: string;
  platformId: string;
  name?: string | null;
  isGroup?: boolean;
  unknownSenderPolicy?: string;
  source?: RowSource;
  sourceUid?: string | null;
  sourceGeneration?: number | null;
}

function validateChannel(channelType: string): void {
  if (!CHANNEL_PATTERN.test(channelType)) {
    throw new InputError(
      'invalid_channel',
      'channel',
      `channel ${JSON.stringify(channelType)} must be a lower-case identifier like "telegram" (^[a-z][a-z0-9-]{0,31}$)`,
    );
  }
}

function validatePolicy(policy: string): asserts policy is UnknownSenderPolicy {
  if (!(UNKNOWN_SENDER_POLICIES as readonly string[]).includes(policy)) {
    throw new InputError(
      'invalid_policy',
      'unknownSenderPolicy',
      `unknown sender policy ${JSON.stringify(policy)} must be one of ${UNKNOWN_SENDER_POLICIES.join(', ')}`,
    );
  }
}

export function getMessagingGroup(db: CentralDb, id: string): MessagingGroup | undefined {
  return db.first(db.q.selectFrom('messaging_groups').selectAll().where('id', '=', id));
}

export function listMessagingGroups(db: CentralDb): MessagingGroup[] {
  return db.all(
    db.q.selectFrom('messaging_groups').selectAll().orderBy('channel_type').orderBy('platform_id'),
  );
}

export function findMessagingGroup(
  db: CentralDb,
  channelType: string,
  platformId: string,
): MessagingGroup | undefined {
  return db.first(
    db.q
      .selectFrom('messaging_groups')
      .selectAll()
      .where('channel_type', '=', channelType)
      .where('platform_id', '=', platformId),
  );
}

export function requireMessagingGroup(db: CentralDb, id: string, field = 'messagingGroup'): MessagingGroup {
  const mg = getMessagingGroup(db, id);
  if (!mg) throw new InputError('unknown_messaging_group', field, `messaging group "${id}" does not exist`);
  return mg;
}

/**
 * Inserts a messaging group, or updates the one with the same id. The chat identity (channel, platform id)
 * of an existing row never changes.
 */
export function upsertMessagingGroup(db: CentralDb, input: MessagingGroupInput): MessagingGroup {
  validateChannel(input.channelType);
  const policy = input.unknownSenderPolicy ?? 'strict';
  validatePolicy(policy);
  if (!input.platformId || input.platformId.length > 256) {
    throw new InputError('invalid_channel', 'platformId', 'platformId must be 1-256 characters');
  }
  const now = nowIso();
  const id = input.id ?? newId('mg');
  return db.tx(() => {
    const existing = getMessagingGroup(db, id);
    if (
      existing &&
      (existing.channel_type !== input.channelType || existing.platform_id !== input.platformId)
    ) {
      throw new InputError(
        'invalid_channel',
        'platformId',
        `messaging group "${id}" is ${existing.channel_type}/${existing.platform_id}; its chat cannot change`,
      );
    }
    const values = {
      name: input.name ?? null,
      is_group: input.isGroup ? 1 : 0,
      unknown_sender_policy: policy,
      source: input.source ?? 'runtime',
      source_uid: input.sourceUid ?? null,
      source_generation: input.sourceGeneration ?? null,
      updated_at: now,
    };
    if (existing) db.run(db.q.updateTable('messaging_groups').set(values).where('id', '=', id));
    else
      db.run(
        db.q.insertInto('messaging_groups').values({
          id,
          channel_type: input.channelType,
          platform_id: input.platformId,
          created_at: now,
          ...values,
        }),
      );
    return getMessagingGroup(db, id)!;
  });
}

export function deleteMessagingGroup(db: CentralDb, id: string): boolean {
  return db.run(db.q.deleteFrom('messaging_groups').where('id', '=', id)).changes > 0;
}
