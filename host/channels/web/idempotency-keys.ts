/**
 * POST /api/messages with an Idempotency-Key (web-api.ts): the first request's 202 answer per (user, key), so a
 * client that lost the answer (ECONNRESET, a timeout) can send again and get the same answer with nothing written
 * twice.
 *
 * Invariants:
 * - A key belongs to the user who sent it: another user's identical key is a different key.
 * - Two requests with one key at the same time run once: the second waits for the first's answer (in process);
 *   a first that failed (an error, not a 202) leaves nothing behind, so the retry really runs.
 * - Storage is bounded: an answer is kept for IDEMPOTENCY_TTL_HOURS and `prune` deletes at most `batch` expired
 *   rows per call; with the per-user message rate limit that bounds the rows per user.
 * - The message id is derived from (user, key), so even if the host died after routing but before the answer was
 *   stored, the retry routes the same message id and the session writes it once.
 */
import { createHash } from 'node:crypto';
import type { CentralDb } from '../../db/central-db.js';
import { nowIso } from '../../db/central-db.js';
import { IDEMPOTENCY_TTL_HOURS, type MessageAccepted } from './web-api.js';

const TTL_MS = IDEMPOTENCY_TTL_HOURS * 3600_000;

export class IdempotencyKeys {
  private readonly inFlight = new Map<string, Promise<MessageAccepted>>();

  constructor(private readonly db: CentralDb) {}

  /** The message id a keyed message gets. */
  static messageId(userId: string, key: string): string {
    return `web-k${createHash('sha256').update(`${userId}\n${key}`).digest('hex').slice(0, 32)}`;
  }

  /** Runs `accept` once per (user, key); later calls get the stored answer. */
  async once(userId: string, key: string, accept: () => Promise<MessageAccepted>): Promise<MessageAccepted> {
    const slot = `${userId}\n${key}`;
    const running = this.inFlight.get(slot);
    if (running) return running;
    const stored = this.stored(userId, key);
    if (stored) return stored;
    const p = accept().then((answer) => {
      const { db } = this;
      const row = { answer: JSON.stringify(answer), created_at: nowIso() };
      db.run(
        db.q
          .insertInto('web_idempotency_keys')
          .values({ user_id: userId, key, ...row })
          .onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet(row)),
      );
      return answer;
    });
    this.inFlight.set(slot, p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(slot);
    }
  }

  prune(batch = 500, now = Date.now()): number {
    const cutoff = new Date(now - TTL_MS).toISOString();
    return Number(
      this.db
        .prepare(
          `DELETE FROM web_idempotency_keys WHERE rowid IN (
             SELECT rowid FROM web_idempotency_keys WHERE created_at < ? LIMIT ?)`,
        )
        .run(cutoff, batch).changes,
    );
  }

  private stored(userId: string, key: string): MessageAccepted | null {
    const { db } = this;
    const row = db.first(
      db.q
        .selectFrom('web_idempotency_keys')
        .select(['answer', 'created_at'])
        .where('user_id', '=', userId)
        .where('key', '=', key),
    );
    if (!row || Date.parse(row.created_at) < Date.now() - TTL_MS) return null;
    return JSON.parse(row.answer) as MessageAccepted;
  }
}
