/**
 * Host-side writes to inbound.db. Invariants: the host is the only writer; every new row gets the next even seq
 * above everything either side has written, so seq orders the conversation; a message id is written at most
 * once (a platform re-delivering the same message is accepted idempotently). An outbound.db the host refuses to
 * read (HostOutbound) counts as empty: none of its rows will be read, so no seq there needs to be stayed above.
 */
import type { InboundDb, Destination } from '../../protocol/session-db.js';
import { isoNow, nextEvenSeq } from '../../protocol/session-db.js';
import type { InboundKind } from '../../protocol/messages.js';
import { UntrustedOutboundError, type HostOutbound } from './host-outbound.js';

export interface NewInboundMessage {
  id: string;
  kind: InboundKind;
  content: unknown;
  trigger?: boolean;
  processAfter?: string | null;
  recurrence?: string | null;
  seriesId?: string | null;
  channelType?: string | null;
  platformId?: string | null;
  threadId?: string | null;
  timestamp?: string;
}

function maxInboundSeq(db: InboundDb): number {
  const row = db.prepare(`SELECT max(seq) AS m FROM messages_in`).get() as { m: number | null };
  return row.m ?? 0;
}

function maxOutboundSeq(outbound: HostOutbound | null): number {
  try {
    return outbound?.maxSeq() ?? 0;
  } catch (err) {
    if (err instanceof UntrustedOutboundError) return 0;
    throw err;
  }
}

/** Inserts the message unless its id exists. Returns the row's seq and whether it was new. */
export function insertInbound(
  inbound: InboundDb,
  outbound: HostOutbound | null,
  msg: NewInboundMessage,
): { seq: number; inserted: boolean } {
  return inbound.tx(() => {
    const existing = inbound.first(
      inbound.q.selectFrom('messages_in').select('seq').where('id', '=', msg.id),
    );
    if (existing) return { seq: existing.seq, inserted: false };
    const seq = nextEvenSeq(Math.max(maxInboundSeq(inbound), maxOutboundSeq(outbound)));
    inbound.run(
      inbound.q.insertInto('messages_in').values({
        id: msg.id,
        seq,
        kind: msg.kind,
        timestamp: msg.timestamp ?? isoNow(),
        status: 'pending',
        process_after: msg.processAfter ?? null,
        recurrence: msg.recurrence ?? null,
        series_id: msg.seriesId ?? null,
        tries: 0,
        trigger: msg.trigger === false ? 0 : 1,
        channel_type: msg.channelType ?? null,
        platform_id: msg.platformId ?? null,
        thread_id: msg.threadId ?? null,
        content: JSON.stringify(msg.content),
      }),
    );
    return { seq, inserted: true };
  });
}

export interface Routing {
  channelType: string | null;
  platformId: string | null;
  threadId: string | null;
}

/** Replaces the session's destination projection and default reply address in one transaction. */
export function writeSessionContext(inbound: InboundDb, destinations: Destination[], routing: Routing): void {
  inbound.tx(() => {
    inbound.run(inbound.q.deleteFrom('destinations'));
    for (const d of destinations) inbound.run(inbound.q.insertInto('destinations').values(d));
    inbound.run(
      inbound.q
        .insertInto('session_routing')
        .values({
          id: 1,
          channel_type: routing.channelType,
          platform_id: routing.platformId,
          thread_id: routing.threadId,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            channel_type: routing.channelType,
            platform_id: routing.platformId,
            thread_id: routing.threadId,
          }),
        ),
    );
  });
}

/** The earliest process_after among pending rows that are not due yet, or null. */
export function nextDueAt(inbound: InboundDb, now: string): string | null {
  const row = inbound.raw
    .prepare(
      `SELECT min(process_after) AS at FROM messages_in WHERE status = 'pending' AND trigger = 1 AND process_after > ?`,
    )
    .get(now) as { at: string | null };
  return row.at;
}

/** Whether any triggering row is pending and due now. */
export function hasDueWork(inbound: InboundDb, now: string): boolean {
  return (
    inbound.raw
      .prepare(
        `SELECT 1 FROM messages_in WHERE status = 'pending' AND trigger = 1 AND kind != 'system'
           AND (process_after IS NULL OR process_after <= ?) LIMIT 1`,
      )
      .get(now) !== undefined
  );
}

/**
 * The outcome of one outbound row, in inbound.db's `delivered` table (the runner reads it back). Written once:
 * a second outcome for the same row is ignored.
 */
export function recordDelivery(
  inbound: InboundDb,
  id: string,
  status: 'delivered' | 'failed',
  platformMessageId: string | null,
  error: string | null,
): void {
  inbound
    .prepare(
      `INSERT INTO delivered (message_out_id, platform_message_id, status, error, delivered_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(message_out_id) DO NOTHING`,
    )
    .run(id, platformMessageId, status, error, isoNow());
}
