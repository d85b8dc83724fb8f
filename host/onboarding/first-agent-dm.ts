/**
 * The person's DM for init-first-agent: the messaging group through which their first agent talks to them.
 *
 * Invariants:
 * - With `--platform-id` the chat is taken as given (no adapter needed); otherwise the channel's adapter finds
 *   it through ensureUserDm (openDM for Discord/Slack, the user id itself on Telegram), the same path approvals
 *   use, so the user_dms cache is written once and the same way.
 * - Either way the DM is recorded in user_dms under the user id's namespace, and an existing messaging group for
 *   that chat is reused, never duplicated.
 * - A cached DM through another bot of the platform is not silently taken for the requested channel.
 */
import type { Logger } from 'pino';
import { ensureUserDm, recordUserDm } from '../access/user-dm.js';
import { MapChannelRegistry, type ChannelAdapter } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import type { MessagingGroup } from '../db/schema.js';
import type { FirstAgentPlan } from './first-agent-plan.js';
import { createdSince, type Step } from './steps.js';

async function lookUpDm(
  db: CentralDb,
  plan: FirstAgentPlan,
  adapter: ChannelAdapter,
  log: Logger,
): Promise<MessagingGroup> {
  const mg = await ensureUserDm(db, new MapChannelRegistry([adapter]), plan.userId, log);
  if (!mg)
    throw new Error(
      `--user: could not open a DM with ${plan.userId} on ${plan.channel} (the platform refused; see the warning above)`,
    );
  if (mg.channel_type !== plan.channel)
    throw new Error(
      `--channel ${plan.channel}: ${plan.userId} already has a DM through the ${mg.channel_type} bot ` +
        `(messaging group ${mg.id}); use --channel ${mg.channel_type}, or give --platform-id to use ${plan.channel}`,
    );
  return mg;
}

/** Where the DM comes from: the chat id given, or the channel's adapter. */
export type DmSource = { platformId: string } | { adapter: ChannelAdapter };

/** Finds or creates the DM and records it for the user (who must exist). */
export async function resolveFirstAgentDm(
  db: CentralDb,
  plan: FirstAgentPlan,
  source: DmSource,
  log: Logger,
): Promise<{ dm: MessagingGroup; step: Step }> {
  const startedAt = nowIso();
  const dm =
    'platformId' in source
      ? recordUserDm(db, {
          userId: plan.userId,
          channelType: plan.channel,
          platformId: source.platformId,
          name: plan.displayName,
        })
      : await lookUpDm(db, plan, source.adapter, log);
  return {
    dm,
    step: {
      object: 'DM',
      id: dm.id,
      action: createdSince(dm, startedAt) ? 'created' : 'reused',
      detail: `${dm.channel_type} chat ${dm.platform_id}`,
    },
  };
}
