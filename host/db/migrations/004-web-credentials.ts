import type { Migration } from '../migrate.js';

/**
 * The web chat's credentials (host/web-auth/): per-user bearer tokens (`nanoclaw web-token`), browser session
 * cookies, and one-time sign-in tokens. Only a SHA-256 of each secret is stored; a row is bound to one user id.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const webCredentials: Migration = {
  id: 4,
  name: 'web-credentials',
  sql: `
CREATE TABLE web_credentials (
  id           TEXT PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('token', 'session', 'sign_in')),
  user_id      TEXT NOT NULL,
  secret_hash  TEXT NOT NULL UNIQUE,
  label        TEXT,
  created_at   TEXT NOT NULL,
  expires_at   TEXT
);
CREATE INDEX idx_web_credentials_user ON web_credentials(user_id);
`,
};
