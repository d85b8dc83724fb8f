/**
 * The web chat's stored credentials (the `web_credentials` table): per-user bearer tokens, browser sessions and
 * one-time sign-in tokens.
 *
 * Invariants:
 * - A secret is 32 random bytes (base64url) shown once, when it is issued; only its SHA-256 is stored.
 * - Every row names exactly one web user id (`web:<name>`); a credential authenticates as that user only.
 * - An expired row never authenticates; a sign-in token is deleted in the same transaction that accepts it, so
 *   it works at most once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import type { WebCredential } from '../db/schema.js';
import { parseUserId } from '../db/users.js';
import { InputError } from '../errors.js';

export type CredentialKind = WebCredential['kind'];

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Stores a new credential for `userId`; returns its id and the secret (never stored). */
export function issueCredential(
  db: CentralDb,
  c: { kind: CredentialKind; userId: string; label?: string | null; ttlMs?: number },
): { id: string; secret: string } {
  if (parseUserId(c.userId).channel !== 'web')
    throw new InputError(
      'invalid_user_id',
      'user',
      `web credentials are for web users ("web:<name>"), not ${c.userId}`,
    );
  const secret = randomBytes(32).toString('base64url');
  const id = newId(c.kind === 'token' ? 'wt' : c.kind === 'session' ? 'ws' : 'wsi');
  db.run(
    db.q.insertInto('web_credentials').values({
      id,
      kind: c.kind,
      user_id: c.userId,
      secret_hash: hashOf(secret),
      label: c.label ?? null,
      created_at: nowIso(),
      expires_at: c.ttlMs === undefined ? null : new Date(Date.now() + c.ttlMs).toISOString(),
    }),
  );
  return { id, secret };
}

/** The user a live credential of `kind` with this secret belongs to, or null. */
export function userOfCredential(db: CentralDb, kind: CredentialKind, secret: string): string | null {
  const row = db.first(
    db.q
      .selectFrom('web_credentials')
      .select(['user_id', 'expires_at'])
      .where('secret_hash', '=', hashOf(secret))
      .where('kind', '=', kind),
  );
  if (!row || (row.expires_at !== null && row.expires_at <= nowIso())) return null;
  return row.user_id;
}

/** Accepts a one-time sign-in token: its user, and the token is gone; null when unknown, used or expired. */
export function consumeSignIn(db: CentralDb, secret: string): string | null {
  return db.tx(() => {
    const user = userOfCredential(db, 'sign_in', secret);
    db.run(
      db.q
        .deleteFrom('web_credentials')
        .where('secret_hash', '=', hashOf(secret))
        .where('kind', '=', 'sign_in'),
    );
    return user;
  });
}

/** Deletes expired rows (called when a session or sign-in token is issued). */
export function purgeExpired(db: CentralDb): void {
  db.run(db.q.deleteFrom('web_credentials').where('expires_at', '<=', nowIso()));
}

/** Bearer tokens (never sessions or sign-in tokens), oldest first, without their hashes. */
export function listTokens(db: CentralDb): Omit<WebCredential, 'secret_hash' | 'kind'>[] {
  return db.all(
    db.q
      .selectFrom('web_credentials')
      .select(['id', 'user_id', 'label', 'created_at', 'expires_at'])
      .where('kind', '=', 'token')
      .orderBy('created_at'),
  );
}

/** Revokes bearer tokens by id, or by label for one user; returns how many were removed. */
export function revokeTokens(db: CentralDb, by: { id: string } | { userId: string; label: string }): number {
  let q = db.q.deleteFrom('web_credentials').where('kind', '=', 'token');
  q =
    'id' in by ? q.where('id', '=', by.id) : q.where('user_id', '=', by.userId).where('label', '=', by.label);
  return db.run(q).changes;
}
