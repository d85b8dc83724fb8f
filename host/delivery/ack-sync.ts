/**
 * Copies the runner's progress (outbound.db processing_ack) into the host's messages_in.status, and schedules the
 * next occurrence of a recurring task when one finishes — completed or failed, so a task that failed once keeps
 * recurring. Only rows still 'pending' are looked at, so the work is proportional to what is in flight. Acks are
 * read through HostOutbound (checked schema, bounded values; malformed acks are ignored). The next occurrence starts
 * with no failed script runs counted: a failed script retries its own occurrence, so an occurrence that finished
 * is past them.
 */
import type { InboundDb } from '../../protocol/session-db.js';
import { isoNow } from '../../protocol/session-db.js';
import { newId } from '../db/ids.js';
import type { HostOutbound } from '../session/host-outbound.js';
import { insertInbound } from '../session/inbound-writer.js';
import { nextOccurrence } from '../schedule/recurrence.js';

interface PendingRow {
  id: string;
  kind: 'chat' | 'task' | 'system';
  recurrence: string | null;
  series_id: string | null;
  process_after: string | null;
  channel_type: string | null;
  platform_id: string | null;
  thread_id: string | null;
  content: string;
}

export interface AckSyncResult {
  completed: number;
  failed: number;
  recurred: number;
  /** Ids with a 'processing' ack and the time it was claimed. */
  claimed: { id: string; since: string }[];
}

export function syncAcks(
  inbound: InboundDb,
  outbound: HostOutbound,
  now = new Date(),
  tz?: string,
): AckSyncResult {
  const result: AckSyncResult = { completed: 0, failed: 0, recurred: 0, claimed: [] };
  const pending = inbound.prepare(`SELECT * FROM messages_in WHERE status = 'pending'`).all() as PendingRow[];
  if (pending.length === 0) return result;
  const byId = new Map(pending.map((r) => [r.id, r]));
  const acks = outbound.acks([...byId.keys()]);
  inbound.tx(() => {
    for (const ack of acks) {
      if (ack.status === 'processing') {
        result.claimed.push({ id: ack.message_id, since: ack.status_changed });
        continue;
      }
      const row = byId.get(ack.message_id)!;
      const status = ack.status === 'failed' ? 'failed' : 'completed';
      inbound
        .prepare(`UPDATE messages_in SET status = ?, recurrence = NULL WHERE id = ?`)
        .run(status, row.id);
      result[status]++;
      if (row.recurrence) {
        const base =
          row.process_after && row.process_after > isoNow(now.getTime()) ? new Date(row.process_after) : now;
        const { scriptFailures: _done, ...content } = JSON.parse(row.content) as Record<string, unknown>;
        insertInbound(inbound, null, {
          id: newId('task'),
          kind: row.kind,
          content,
          processAfter: nextOccurrence(row.recurrence, base, tz).toISOString(),
          recurrence: row.recurrence,
          seriesId: row.series_id ?? row.id,
          channelType: row.channel_type,
          platformId: row.platform_id,
          threadId: row.thread_id,
        });
        result.recurred++;
      }
    }
  });
  return result;
}
