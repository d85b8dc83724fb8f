/**
 * Cold DMs: the messaging group through which the host can reach a user privately, cached in user_dms (keyed by
 * the user id's namespace; the DM's channel is the bot that opened it, e.g. a named `telegram-support` bot).
 * Unreachable (null) when the user is unknown, the channel has no adapter, or the adapter cannot open a DM;
 * a failure writes no cache row, so the next call tries again.
 */
import type { Logger } from 'pino';
import type { ChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { findMessagingGroup, getMessagingGroup, upsertMessagingGroup } from '../db/messaging-groups.js';
import type { MessagingGroup } from '../db/schema.js';
import { getUser, parseUserId } from '../db/users.js';

export async function ensureUserDm(
  db: CentralDb,
  channels: ChannelRegistry,
  userId: string,
  log?: Logger,
): Promise<MessagingGroup | null> {
  const user = getUser(db, userId);
  if (!user) return null;
  const { channel, handle } = parseUserId(userId);

  const cached = db.first(
    db.q.selectFrom('user_dms').selectAll().where('user_id', '=', userId).where('channel_type', '=', channel),
  );
  if (cached) {
    const mg = getMessagingGroup(db, cached.messaging_group_id);
    if (mg) return mg;
  }

  // The user's channel is their id's namespace (`telegram`); a named bot (`telegram-support`) serves it too.
  const adapter =
    channels.get(channel) ?? channels.all().find((a) => (a.userNamespace ?? a.channelType) === channel);
  if (!adapter) return null;
  let platformId: string;
  if (adapter.openDM) {
    try {
      platformId = await adapter.openDM(handle);
    } catch (err) {
      log?.warn({ userId, channel, err: (err as Error).message }, 'could not open a DM; user unreachable');
      return null;
    }
  } else {
    platformId = handle;
  }

  return recordUserDm(db, { userId, channelType: adapter.channelType, platformId, name: user.display_name });
}

/**
 * Records `platformId` on `channelType` as the user's DM: reuses that chat's messaging group or creates a private,
 * strict one, and points user_dms (keyed by the user id's namespace) at it. Unchanged rows are left alone.
 */
export function recordUserDm(
  db: CentralDb,
  dm: { userId: string; channelType: string; platformId: string; name: string | null },
): MessagingGroup {
  const { channel: namespace } = parseUserId(dm.userId);
  return db.tx(() => {
    const mg =
      findMessagingGroup(db, dm.channelType, dm.platformId) ??
      upsertMessagingGroup(db, {
        channelType: dm.channelType,
        platformId: dm.platformId,
        name: dm.name,
        isGroup: false,
        unknownSenderPolicy: 'strict',
      });
    const now = nowIso();
    db.run(
      db.q
        .insertInto('user_dms')
        .values({ user_id: dm.userId, channel_type: namespace, messaging_group_id: mg.id, resolved_at: now })
        .onConflict((oc) =>
          oc
            .columns(['user_id', 'channel_type'])
            .doUpdateSet({ messaging_group_id: mg.id, resolved_at: now })
            .where('user_dms.messaging_group_id', '!=', mg.id),
        ),
    );
    return mg;
  });
}
