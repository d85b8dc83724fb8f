/**
 * Where a message may go. An agent: its session's own chat, or a chat its agent group has an agent_destinations
 * row for. The host itself: any chat it knows (a messaging_groups row, e.g. the chat a command came from, or a
 * DM opened for a person). A refusal throws; it is never turned into a silent success.
 */
import type { CentralDb } from '../db/central-db.js';
import { findDestination } from '../db/destinations.js';
import { findMessagingGroup } from '../db/messaging-groups.js';
import type { MessagingGroup, Session } from '../db/schema.js';

class DeliveryRejected extends Error {
  override readonly name = 'DeliveryRejected';
}

export function authorizeChannelTarget(
  db: CentralDb,
  session: Pick<Session, 'id' | 'agent_group_id' | 'messaging_group_id'>,
  channelType: string,
  platformId: string,
): MessagingGroup {
  const mg = findMessagingGroup(db, channelType, platformId);
  if (!mg) throw new DeliveryRejected(`no messaging group for ${channelType}/${platformId}`);
  if (mg.id === session.messaging_group_id) return mg;
  if (findDestination(db, session.agent_group_id, 'channel', mg.id)) return mg;
  throw new DeliveryRejected(
    `unauthorized channel destination: agent group ${session.agent_group_id} has no destination ${channelType}/${platformId}`,
  );
}

export function authorizeHostTarget(db: CentralDb, channelType: string, platformId: string): MessagingGroup {
  const mg = findMessagingGroup(db, channelType, platformId);
  if (!mg) throw new DeliveryRejected(`no messaging group for ${channelType}/${platformId}`);
  return mg;
}
