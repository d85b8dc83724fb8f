/**
 * The web chat's stored messages (central DB table web_events, migration 008): what a client that connects is
 * shown first, and what one that resumes from an event id missed.
 *
 * Invariants:
 * - `append` returns only after the row is committed (better-sqlite3 is synchronous; WAL with synchronous=NORMAL:
 *   durable across a process crash, not across a power loss of the machine).
 * - An event id is the row's integer id; ids only grow, across restarts too, and a (chat, message id) pair is
 *   stored once: appending it again returns null.
 * - Retention: rows older than `retentionMs` and rows beyond the newest `perChat` of a chat are deleted by
 *   `prune`, which deletes at most `batch` rows per call (the adapter calls it on a timer), so a big backlog is
 *   worked off over several ticks without stalling the event loop.
 */
import type { CentralDb } from '../../db/central-db.js';
import { nowIso } from '../../db/central-db.js';
import type { WebEventRecord } from '../../db/schema.js';
import { renderMarkdown } from './markdown.js';
import type { WebAuthor, WebMessage } from './web-api.js';

export interface WebEventInput {
  chat: string;
  thread: string | null;
  messageId: string;
  author: WebAuthor;
  level: WebMessage['level'];
  text: string;
  inReplyTo: string | null;
  question: WebMessage['question'] | null;
}

/** A stored message as clients receive it: its event id and the `message` event's data. */
export interface StoredWebMessage {
  eventId: number;
  message: WebMessage;
}

export interface WebRetention {
  retentionMs: number;
  perChat: number;
  /** How many of the newest messages a client connecting without a resume point is shown. */
  historyLimit: number;
}

export class WebEventStore {
  constructor(
    private readonly db: CentralDb,
    readonly retention: WebRetention,
  ) {}

  append(e: WebEventInput): StoredWebMessage | null {
    const { db } = this;
    const row: Omit<WebEventRecord, 'id'> = {
      chat: e.chat,
      thread: e.thread,
      message_id: e.messageId,
      author_kind: e.author.kind,
      author_name: e.author.name,
      agent_group_id: e.author.agentGroupId,
      level: e.level,
      text: e.text,
      in_reply_to: e.inReplyTo,
      question: e.question ? JSON.stringify(e.question) : null,
      created_at: nowIso(),
    };
    const res = db.run(
      db.q
        .insertInto('web_events')
        .values(row)
        .onConflict((oc) => oc.columns(['chat', 'message_id']).doNothing()),
    );
    if (res.changes === 0) return null;
    return toStored({ ...row, id: Number(res.lastInsertRowid) });
  }

  /** The chat's messages after an event id, oldest first (at most `perChat`). */
  after(chat: string, eventId: number): StoredWebMessage[] {
    const { db } = this;
    return db
      .all(
        db.q
          .selectFrom('web_events')
          .selectAll()
          .where('chat', '=', chat)
          .where('id', '>', eventId)
          .orderBy('id')
          .limit(this.retention.perChat),
      )
      .map(toStored);
  }

  /** The chat's newest `historyLimit` messages, oldest first. */
  recent(chat: string): StoredWebMessage[] {
    const { db } = this;
    return db
      .all(
        db.q
          .selectFrom('web_events')
          .selectAll()
          .where('chat', '=', chat)
          .orderBy('id', 'desc')
          .limit(this.retention.historyLimit),
      )
      .reverse()
      .map(toStored);
  }

  /** Deletes what is past retention, at most `batch` rows; returns how many it deleted. */
  prune(batch = 500, now = Date.now()): number {
    const { db } = this;
    const cutoff = new Date(now - this.retention.retentionMs).toISOString();
    let deleted = Number(
      db
        .prepare(
          `DELETE FROM web_events WHERE id IN (SELECT id FROM web_events WHERE created_at < ? ORDER BY id LIMIT ?)`,
        )
        .run(cutoff, batch).changes,
    );
    const over = db
      .prepare(`SELECT chat FROM web_events GROUP BY chat HAVING COUNT(*) > ? LIMIT 20`)
      .all(this.retention.perChat) as { chat: string }[];
    for (const { chat } of over) {
      if (deleted >= batch) break;
      deleted += Number(
        db
          .prepare(
            `DELETE FROM web_events WHERE id IN (
               SELECT id FROM web_events WHERE chat = ? AND id <= (
                 SELECT id FROM web_events WHERE chat = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
               ORDER BY id LIMIT ?)`,
          )
          .run(chat, chat, this.retention.perChat, batch - deleted).changes,
      );
    }
    return deleted;
  }
}

function toStored(r: WebEventRecord): StoredWebMessage {
  return {
    eventId: r.id,
    message: {
      id: r.message_id,
      chat: r.chat,
      thread: r.thread,
      author: { kind: r.author_kind, name: r.author_name, agentGroupId: r.agent_group_id },
      level: r.level,
      text: r.text,
      html: renderMarkdown(r.text),
      inReplyTo: r.in_reply_to,
      createdAt: r.created_at,
      ...(r.question ? { question: JSON.parse(r.question) as NonNullable<WebMessage['question']> } : {}),
    },
  };
}
