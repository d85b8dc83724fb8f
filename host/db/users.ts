import { InputError } from '../errors.js';
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import { type User } from './schema.js';
import { USER_ID_PATTERN } from '../../protocol/vocabulary.js';

export interface ParsedUserId {
  channel: string;
  handle: string;
}

/** Splits `<channel>:<handle>` at the first colon; the handle may itself contain colons (`teams:29:abc`). */
export function parseUserId(userId: string): ParsedUserId {
  if (typeof userId !== 'string' || userId.length > 320 || !USER_ID_PATTERN.test(userId)) {
    throw new InputError(
      'invalid_user_id',
      'user',
      `user id ${JSON.stringify(userId)} must look like "<channel>:<handle>", e.g. "telegram:12345"`,
    );
  }
  const i = userId.indexOf(':');
  return { channel: userId.slice(0, i), handle: userId.slice(i + 1) };
}

/** The namespaced id for a sender seen on `channel`: the raw handle is never taken as another channel's id. */
export function namespacedUserId(channel: string, handle: string): string {
  return `${channel}:${handle}`;
}

export function getUser(db: CentralDb, userId: string): User | undefined {
  return db.first(db.q.selectFrom('users').selectAll().where('id', '=', userId));
}

export function listUsers(db: CentralDb): User[] {
  return db.all(db.q.selectFrom('users').selectAll().orderBy('id'));
}

/** Creates the user on first sight; a later non-empty display name replaces the stored one. */
export function upsertUser(db: CentralDb, userId: string, displayName?: string | null): User {
  const { channel } = parseUserId(userId);
  const now = nowIso();
  const name = displayName?.trim() ? displayName.trim().slice(0, 256) : null;
  db.tx(() => {
    db.run(
      db.q
        .insertInto('users')
        .values({ id: userId, kind: channel, display_name: name, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('id').doNothing()),
    );
    if (name)
      db.run(
        db.q
          .updateTable('users')
          .set({ display_name: name, updated_at: now })
          .where('id', '=', userId)
          .where('display_name', 'is not', name),
      );
  });
  return getUser(db, userId)!;
}
