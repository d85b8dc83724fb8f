/**
 * Writes one SQL fixture per central-DB schema version to test/fixtures/db/: a DB migrated to exactly that
 * version, holding an agent group, a chat wired to it, an owner, a member and — once the table exists — a session,
 * dumped as SQL. host/db/upgrade.test.ts migrates each fixture to the newest schema and checks every row is still
 * there, so a migration that breaks an earlier database fails a test. Fixtures of released versions are never
 * rewritten: the script only adds the ones that are missing (`--force` rewrites all, for development only).
 *
 *   npm run db:fixtures
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { migrate } from '../host/db/migrate.js';
import { CENTRAL_MIGRATIONS } from '../host/db/migrations/index.js';
import { repoRoot } from './repo-root.js';

export const FIXTURE_DIR = path.join(repoRoot(), 'test', 'fixtures', 'db');
const AT = '2026-01-01T00:00:00.000Z';

export function fixtureFile(id: number, name: string): string {
  return path.join(FIXTURE_DIR, `central-${String(id).padStart(3, '0')}-${name}.sql`);
}

function fill(db: Database.Database): void {
  db.exec(`
INSERT INTO agent_groups (id, name, folder, agent_provider, container_config, created_at, updated_at)
  VALUES ('fixture-agent', 'Fixture Agent', 'fixture-agent', 'mock', '{}', '${AT}', '${AT}');
INSERT INTO messaging_groups (id, channel_type, platform_id, name, is_group, unknown_sender_policy, created_at, updated_at)
  VALUES ('mg-fixture', 'telegram', '-100', 'Team', 1, 'request_approval', '${AT}', '${AT}');
INSERT INTO messaging_group_agents (id, messaging_group_id, agent_group_id, engage_mode, engage_pattern, created_at, updated_at)
  VALUES ('w-fixture', 'mg-fixture', 'fixture-agent', 'pattern', '.', '${AT}', '${AT}');
INSERT INTO users (id, kind, display_name, created_at, updated_at) VALUES
  ('telegram:1', 'telegram', 'Owner', '${AT}', '${AT}'),
  ('telegram:2', 'telegram', 'Member', '${AT}', '${AT}');
INSERT INTO user_roles (user_id, role, agent_group_id, granted_at) VALUES ('telegram:1', 'owner', NULL, '${AT}');
INSERT INTO agent_group_members (user_id, agent_group_id, added_at) VALUES ('telegram:2', 'fixture-agent', '${AT}');
`);
  const hasSessions = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sessions'`).get();
  if (hasSessions)
    db.exec(`INSERT INTO sessions (id, agent_group_id, messaging_group_id, thread_id, session_mode, last_active, created_at)
      VALUES ('sess-fixture', 'fixture-agent', 'mg-fixture', NULL, 'shared', '${AT}', '${AT}');`);
}

/** The SQL text of a DB: its schema (tables, indexes, triggers) and every row, in a stable order. */
function dumpSql(db: Database.Database): string {
  const objects = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
      ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`,
    )
    .all() as { type: string; name: string; sql: string }[];
  const lines = objects.filter((o) => o.type === 'table').map((o) => `${o.sql};`);
  for (const t of objects.filter((o) => o.type === 'table')) {
    for (const row of db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all() as Record<
      string,
      unknown
    >[]) {
      const cols = Object.keys(row);
      const values = cols.map((c) => {
        const v = row[c];
        if (v === null) return 'NULL';
        if (typeof v === 'number' || typeof v === 'bigint') return String(v);
        if (typeof v !== 'string') throw new Error(`${t.name}.${c}: a fixture holds only text and numbers`);
        return `'${v.replaceAll("'", "''")}'`;
      });
      lines.push(
        `INSERT INTO "${t.name}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${values.join(', ')});`,
      );
    }
  }
  lines.push(...objects.filter((o) => o.type !== 'table').map((o) => `${o.sql};`));
  return `${lines.join('\n')}\n`;
}

/** The fixture of schema version `id`: a fresh DB migrated to it, filled, dumped. */
function fixtureSql(id: number): string {
  const db = new Database(':memory:');
  try {
    migrate(db, CENTRAL_MIGRATIONS.slice(0, id));
    fill(db);
    return dumpSql(db);
  } finally {
    db.close();
  }
}

function main(): void {
  const force = process.argv.includes('--force');
  fs.mkdirSync(FIXTURE_DIR, { recursive: true });
  for (const m of CENTRAL_MIGRATIONS) {
    const file = fixtureFile(m.id, m.name);
    if (fs.existsSync(file) && !force) continue;
    fs.writeFileSync(file, fixtureSql(m.id));
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
