/**
 * Read-only views for the admin CLI over audit tables whose writers live elsewhere (the router's drops and held
 * approvals, delivery's host messages). Nothing here writes; every list is bounded by a limit the caller gives.
 */
import type { CentralDb } from './central-db.js';
import type { ChannelRegistration, CentralSchema, HostMessage } from './schema.js';

type DroppedMessage = CentralSchema['dropped_messages'];
type SenderApprovalRow = CentralSchema['pending_sender_approvals'];

/** Drop records (one per chat, sender and reason), most recent first. */
export function listDrops(db: CentralDb, limit: number): DroppedMessage[] {
  return db.all(
    db.q
      .selectFrom('dropped_messages')
      .selectAll()
      .orderBy('last_seen', 'desc')
      .orderBy('reason')
      .limit(limit),
  );
}

/** Dropped messages per reason: how many messages, from how many (chat, sender) pairs, and the latest. */
export function dropCountsByReason(
  db: CentralDb,
): { reason: string; messages: number; senders: number; last_seen: string }[] {
  return db.all(
    db.q
      .selectFrom('dropped_messages')
      .select((eb) => [
        'reason',
        eb.fn.sum<number>('message_count').as('messages'),
        eb.fn.countAll<number>().as('senders'),
        eb.fn.max('last_seen').as('last_seen'),
      ])
      .groupBy('reason')
      .orderBy('reason'),
  );
}

/** Unknown-sender approvals, newest first; only those in `status` when given. */
export function listSenderApprovals(
  db: CentralDb,
  opts: { status?: SenderApprovalRow['status']; limit: number },
): SenderApprovalRow[] {
  let q = db.q.selectFrom('pending_sender_approvals').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  return db.all(q.orderBy('created_at', 'desc').orderBy('id').limit(opts.limit));
}

/** Host messages (command replies, cards, notices) that finally failed, most recent first. */
export function failedHostMessages(db: CentralDb, limit: number): HostMessage[] {
  return db.all(
    db.q
      .selectFrom('host_messages')
      .selectAll()
      .where('status', '=', 'failed')
      .orderBy('finished_at', 'desc')
      .limit(limit),
  );
}

/** Chat registrations still waiting for someone (pending, nobody reachable, configuration not written), newest first. */
export function openChannelRegistrations(db: CentralDb, limit: number): ChannelRegistration[] {
  return db.all(
    db.q
      .selectFrom('pending_channel_registrations')
      .selectAll()
      .where('status', 'in', ['pending', 'unreachable', 'failed'])
      .orderBy('created_at', 'desc')
      .limit(limit),
  );
}

/** Failure notices the host sent people (a runner that cannot start, undeliverable messages, expiries), newest first. */
export function recentNotices(db: CentralDb, limit: number): HostMessage[] {
  return db.all(
    db.q
      .selectFrom('host_messages')
      .selectAll()
      .where('kind', '=', 'notice')
      .orderBy('created_at', 'desc')
      .limit(limit),
  );
}
