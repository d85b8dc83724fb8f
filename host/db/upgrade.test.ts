/**
 * Upgrades from every earlier central-DB schema: each committed fixture (test/fixtures/db/, written by
 * hack/db-fixtures.ts at that schema version) is migrated to the newest schema and keeps its rows; a DB newer
 * than this build is refused with a message saying so.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, fixtureFile } from '../../hack/db-fixtures.js';
import { migrate, MigrationError } from './migrate.js';
import { CENTRAL_MIGRATIONS } from './migrations/index.js';

const fixtures = CENTRAL_MIGRATIONS.map((m) => ({ id: m.id, file: fixtureFile(m.id, m.name) }));

function load(file: string): Database.Database {
  const db = new Database(':memory:');
  // Rows are dumped table by table: references are checked once everything is loaded (foreign_key_check below).
  db.pragma('foreign_keys = OFF');
  db.exec(fs.readFileSync(file, 'utf8'));
  db.pragma('foreign_keys = ON');
  return db;
}

describe('central DB upgrades', () => {
  it('has a fixture for every schema version (write new ones with npm run db:fixtures)', () => {
    const files = fs
      .readdirSync(FIXTURE_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files).toEqual(fixtures.map((f) => f.file.slice(FIXTURE_DIR.length + 1)));
  });

  it.each(fixtures)('migrates a DB at schema version $id to the newest, keeping its rows', ({ id, file }) => {
    const db = load(file);
    try {
      expect(migrate(db, CENTRAL_MIGRATIONS)).toEqual(CENTRAL_MIGRATIONS.slice(id).map((m) => m.id));
      const one = (sql: string) => db.prepare(sql).get();
      expect(one(`SELECT name, folder, agent_provider FROM agent_groups`)).toEqual({
        name: 'Fixture Agent',
        folder: 'fixture-agent',
        agent_provider: 'mock',
      });
      expect(
        one(`SELECT unknown_sender_policy, is_group FROM messaging_groups WHERE id = 'mg-fixture'`),
      ).toEqual({
        unknown_sender_policy: 'request_approval',
        is_group: 1,
      });
      expect(one(`SELECT engage_mode, engage_pattern FROM messaging_group_agents`)).toEqual({
        engage_mode: 'pattern',
        engage_pattern: '.',
      });
      expect(one(`SELECT user_id FROM user_roles WHERE role = 'owner'`)).toEqual({ user_id: 'telegram:1' });
      expect(one(`SELECT user_id FROM agent_group_members`)).toEqual({ user_id: 'telegram:2' });
      if (id >= 2)
        expect(one(`SELECT status FROM sessions WHERE id = 'sess-fixture'`)).toEqual({ status: 'active' });
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('refuses a DB newer than this build, naming the migration it does not know', () => {
    const db = load(fixtures.at(-1)!.file);
    try {
      const newer = CENTRAL_MIGRATIONS.length + 1;
      db.prepare(`INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, 'from-the-future', ?)`).run(
        newer,
        new Date().toISOString(),
      );
      expect(() => migrate(db, CENTRAL_MIGRATIONS)).toThrow(MigrationError);
      expect(() => migrate(db, CENTRAL_MIGRATIONS)).toThrow(
        `DB has migration ${newer} (from-the-future) that this build does not know`,
      );
    } finally {
      db.close();
    }
  });
});
