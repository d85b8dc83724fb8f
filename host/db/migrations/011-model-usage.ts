import type { Migration } from '../migrate.js';

/**
 * Token budgets (host/budget/): `agent_groups.budget_monthly_tokens` is the AgentGroup's spec.budget.monthlyTokens
 * (NULL: no budget). `model_usage` holds the tokens the credential proxy counted per agent group and calendar month
 * (UTC, `YYYY-MM`), by kind; `notice_sent_at` is set once, when the chat was told the budget was reached in that
 * month. A new month is a new row, so usage starts at 0.
 * Frozen: never edit a shipped migration, add a new one.
 */
export const modelUsage: Migration = {
  id: 11,
  name: 'model-usage',
  sql: `
ALTER TABLE agent_groups ADD COLUMN budget_monthly_tokens INTEGER
  CHECK (budget_monthly_tokens IS NULL OR budget_monthly_tokens >= 1);
CREATE TABLE model_usage (
  agent_group_id     TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  period             TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
  input_tokens       INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cache_read_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
  cache_write_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
  calls              INTEGER NOT NULL DEFAULT 0 CHECK (calls >= 0),
  notice_sent_at     TEXT,
  updated_at         TEXT NOT NULL,
  PRIMARY KEY (agent_group_id, period)
);
`,
};
