/**
 * Per-session runner tokens. A runner presents its token on the notification channel and to the credential
 * proxy; the host stores only a SHA-256 hash (sessions.runner_token_hash), so neither the DB nor a log holds a
 * usable token, and a new runner invalidates the previous one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CentralDb } from '../db/central-db.js';
import type { Session } from '../db/schema.js';
import { findSessionByTokenHash } from '../session/session-store.js';

export function newSessionToken(): string {
  return `nct_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The bearer token of a request: `Authorization: Bearer …` or `x-api-key: …` (what model SDKs send). */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer '))
    return auth.slice(7).trim() || null;
  const key = headers['x-api-key'];
  return typeof key === 'string' && key ? key : null;
}

/** The active session a runner token belongs to, or undefined. */
export function authenticateRunner(db: CentralDb, token: string): Session | undefined {
  const session = findSessionByTokenHash(db, hashToken(token));
  return session?.status === 'active' ? session : undefined;
}
