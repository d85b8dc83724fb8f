import type { Migration } from '../migrate.js';

/**
 * Session retention (host/sweep/retention.ts) asks for the active sessions quiet since before a cutoff, oldest
 * first. Without this index that query reads every active session's row; with it, only the candidates.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const sessionActivityIndex: Migration = {
  id: 12,
  name: 'session-activity-index',
  sql: `
CREATE INDEX idx_sessions_activity ON sessions(status, last_active);
`,
};
