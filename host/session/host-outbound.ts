/**
 * The host's only way to read a runner's outbound.db. The runner can write that file however it likes (it is in
 * its workspace), so it is untrusted input: a schema, a row or the whole file may be hostile.
 *
 * Invariants:
 * - The file is opened only when it is a regular file inside the data dir (no symlink on the way or at the end),
 *   read-only, with `trusted_schema` off (protocol/session-db.ts).
 * - Every read is one read transaction that first checks the schema is exactly the protocol's
 *   (`outboundSchemaProblem`; skipped while `schema_version` is the one already checked). The runner cannot commit
 *   while the transaction holds its shared lock, so the checked schema is the one the read runs against: a view,
 *   trigger or extra table never runs.
 * - A file that fails the check, is not a database or is corrupt raises UntrustedOutboundError, and nothing of it
 *   is read. Callers report it with the session id; the rest of the host carries on.
 * - Values are measured with octet_length (which does not load them) before a row is loaded. A messages_out row
 *   over the limits or of the wrong shape comes back rejected with its reason (so it can be recorded as failed);
 *   the other rows of the batch are unaffected. Ack rows of the wrong shape or size are ignored.
 * - Only integer seqs up to MAX_SEQ exist for the host, so seq arithmetic stays exact.
 */
import {
  OUTBOUND_TABLES,
  openOutboundForHost,
  outboundSchemaProblem,
  type MessageOut,
  type OutboundDb,
} from '../../protocol/session-db.js';
import { regularFileInside, UnsafePathError } from './safe-fs.js';

const MAX_CONTENT_BYTES = 1024 * 1024;
const MAX_FIELD_BYTES = 1024;
const MAX_SEQ = 2 ** 52;
const IN_CHUNK = 500;
const MAX_REPLY_REFS = 100_000;

export class UntrustedOutboundError extends Error {
  override readonly name = 'UntrustedOutboundError';
}

export type OutboundRead =
  { row: MessageOut } | { rejected: { id: string | null; seq: number; error: string } };

export interface Ack {
  message_id: string;
  status: 'processing' | 'completed' | 'failed';
  status_changed: string;
}

const FIELDS = [
  'id',
  'in_reply_to',
  'timestamp',
  'deliver_after',
  'kind',
  'channel_type',
  'platform_id',
  'thread_id',
] as const;

const SIZES_SQL = `
SELECT seq,
  CASE WHEN octet_length(id) <= ${MAX_FIELD_BYTES} THEN id END AS id,
  coalesce(octet_length(content), 0) AS content_bytes,
  max(${FIELDS.map((f) => `coalesce(octet_length(${f}), 0)`).join(', ')}) AS field_bytes
FROM messages_out
WHERE typeof(seq) = 'integer' AND seq > ? AND seq <= ${MAX_SEQ}
ORDER BY seq LIMIT ?`;

const ACK_LIMITS = `octet_length(status) <= 16 AND octet_length(status_changed) <= ${MAX_FIELD_BYTES}`;

interface Sizes {
  seq: number;
  id: string | null;
  content_bytes: number;
  field_bytes: number;
}

export class HostOutbound {
  private checkedVersion: number | null = null;

  private constructor(
    private readonly db: OutboundDb | null,
    private readonly refused: string | null,
  ) {}

  /**
   * The session's outbound.db at `root/rel`, or null while the runner has not created it. A file that is not a
   * regular file inside `root` gives a handle whose every read fails.
   */
  static open(root: string, rel: string): HostOutbound | null {
    let file: string;
    try {
      file = regularFileInside(root, rel);
    } catch (err) {
      if (err instanceof UnsafePathError) return new HostOutbound(null, err.message);
      throw err;
    }
    const db = openOutboundForHost(file);
    return db ? new HostOutbound(db, null) : null;
  }

  /** The highest seq the runner wrote (0 when none). */
  maxSeq(): number {
    return this.read((db) => {
      const row = db
        .prepare(`SELECT max(seq) AS m FROM messages_out WHERE typeof(seq) = 'integer' AND seq <= ${MAX_SEQ}`)
        .get() as { m: number | null };
      return row.m ?? 0;
    });
  }

  /** Up to `limit` rows with seq above `afterSeq`, in seq order; each either a valid row or rejected. */
  messagesAfter(afterSeq: number, limit: number): OutboundRead[] {
    return this.read((db) => {
      const sizes = db.prepare(SIZES_SQL).all(afterSeq, limit) as Sizes[];
      const full = db.prepare('SELECT * FROM messages_out WHERE seq = ?');
      return sizes.map((s): OutboundRead => {
        const reject = (error: string): OutboundRead => ({ rejected: { id: s.id, seq: s.seq, error } });
        if (s.content_bytes > MAX_CONTENT_BYTES)
          return reject(`content of ${s.content_bytes} bytes exceeds the limit of ${MAX_CONTENT_BYTES}`);
        if (s.field_bytes > MAX_FIELD_BYTES)
          return reject(`a field of ${s.field_bytes} bytes exceeds the limit of ${MAX_FIELD_BYTES}`);
        const parsed = OUTBOUND_TABLES.messages_out.safeParse(full.get(s.seq));
        if (!parsed.success) return reject(`malformed row: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        try {
          JSON.parse(parsed.data.content);
        } catch {
          return reject('content is not JSON');
        }
        return { row: parsed.data };
      });
    });
  }

  /** The well-formed acks among `ids`. */
  acks(ids: string[]): Ack[] {
    return this.read((db) => {
      const out: Ack[] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const chunk = ids.slice(i, i + IN_CHUNK);
        const rows = db
          .prepare(
            `SELECT message_id, status, status_changed FROM processing_ack
             WHERE message_id IN (${chunk.map(() => '?').join(',')}) AND ${ACK_LIMITS}`,
          )
          .all(...chunk);
        for (const r of rows) {
          const ack = OUTBOUND_TABLES.processing_ack.safeParse(r);
          if (ack.success) out.push(ack.data);
        }
      }
      return out;
    });
  }

  /**
   * Every reply's id and the message it answers (ids over the field limit are skipped), or null when outbound.db
   * holds more than `limit` rows (then nobody should conclude from it what is missing).
   */
  replyRefs(limit = MAX_REPLY_REFS): { id: string; inReplyTo: string | null }[] | null {
    return this.read((db) => {
      const rows = db
        .prepare(
          `SELECT id, in_reply_to FROM messages_out
           WHERE octet_length(id) <= ${MAX_FIELD_BYTES} AND coalesce(octet_length(in_reply_to), 0) <= ${MAX_FIELD_BYTES}
           LIMIT ?`,
        )
        .all(limit + 1) as { id: unknown; in_reply_to: unknown }[];
      if (rows.length > limit) return null;
      return rows.flatMap((r) =>
        typeof r.id === 'string'
          ? [{ id: r.id, inReplyTo: typeof r.in_reply_to === 'string' ? r.in_reply_to : null }]
          : [],
      );
    });
  }

  /** Up to `limit` messages the runner has claimed ('processing') and not finished, with the claim time. */
  processingClaims(limit: number): { id: string; since: string }[] {
    return this.read((db) =>
      db
        .prepare(
          `SELECT message_id, status, status_changed FROM processing_ack
           WHERE status = 'processing' AND octet_length(message_id) <= ${MAX_FIELD_BYTES} AND ${ACK_LIMITS}
           LIMIT ?`,
        )
        .all(limit)
        .flatMap((r) => {
          const ack = OUTBOUND_TABLES.processing_ack.safeParse(r);
          return ack.success ? [{ id: ack.data.message_id, since: ack.data.status_changed }] : [];
        }),
    );
  }

  close(): void {
    this.db?.close();
  }

  private read<T>(fn: (db: OutboundDb) => T): T {
    const db = this.db;
    if (!db) throw new UntrustedOutboundError(`outbound.db refused: ${this.refused}`);
    try {
      return db.raw.transaction(() => {
        this.check(db);
        return fn(db);
      })();
    } catch (err) {
      if (err instanceof UntrustedOutboundError) throw err;
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && /^SQLITE_(NOTADB|CORRUPT)/.test(code))
        throw new UntrustedOutboundError(`outbound.db is damaged: ${(err as Error).message}`);
      throw err;
    }
  }

  private check(db: OutboundDb): void {
    const version = db.raw.pragma('schema_version', { simple: true }) as number;
    if (version === this.checkedVersion) return;
    const problem = outboundSchemaProblem(db);
    if (problem) throw new UntrustedOutboundError(`outbound.db refused: ${problem}`);
    this.checkedVersion = version;
  }
}
