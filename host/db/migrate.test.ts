import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCentralDb } from './central-db.js';
import { migrate, MigrationError, type Migration } from './migrate.js';
import { CENTRAL_MIGRATIONS } from './migrations/index.js';

const dirs: string[] = [];
function tmpFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-migrate-'));
  dirs.push(dir);
  return path.join(dir, 'nanoclaw.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('central DB migrations', () => {
  it('applies each migration once when another process migrates the same file at the same time', () => {
    const file = tmpFile();
    const a = new Database(file);
    const b = new Database(file);
    // `a` reads which migrations are applied; `b` applies all of them before `a` starts its own transactions.
    const racing = new Proxy(a, {
      get(target, prop, receiver) {
        if (prop !== 'prepare') {
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
        }
        return (sql: string) => {
          const stmt = target.prepare(sql);
          if (!sql.startsWith('SELECT id, name FROM schema_migrations')) return stmt;
          return {
            all: () => {
              const seen = stmt.all();
              migrate(b, CENTRAL_MIGRATIONS);
              return seen;
            },
          };
        };
      },
    });
    expect(migrate(racing, CENTRAL_MIGRATIONS)).toEqual([]);
    expect(b.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(CENTRAL_MIGRATIONS.length);
    a.close();
    b.close();
  });

  it('migrates an empty file to the newest schema with WAL, foreign keys and a busy timeout', () => {
    const file = tmpFile();
    const db = openCentralDb(file);
    expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(5000);
    const applied = db.all(db.q.selectFrom('schema_migrations').select(['id', 'name']).orderBy('id'));
    expect(applied).toEqual(CENTRAL_MIGRATIONS.map((m) => ({ id: m.id, name: m.name })));
    db.close();
  });

  it('applies nothing when re-run on a current DB and keeps its rows', () => {
    const file = tmpFile();
    const db = openCentralDb(file);
    db.raw
      .prepare(`INSERT INTO users (id, kind, created_at, updated_at) VALUES ('web:a','web','t','t')`)
      .run();
    db.close();
    const raw = new Database(file);
    expect(migrate(raw, CENTRAL_MIGRATIONS)).toEqual([]);
    expect(raw.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 1 });
    raw.close();
  });

  it('applies only the migrations a DB has not seen yet', () => {
    const raw = new Database(':memory:');
    const first: Migration = { id: 1, name: 'one', sql: 'CREATE TABLE a (x)' };
    const second: Migration = { id: 2, name: 'two', sql: 'CREATE TABLE b (y)' };
    expect(migrate(raw, [first])).toEqual([1]);
    expect(migrate(raw, [first, second])).toEqual([2]);
  });

  it('rolls back a failing migration completely', () => {
    const raw = new Database(':memory:');
    const bad: Migration = { id: 1, name: 'bad', sql: 'CREATE TABLE a (x); CREATE TABLE a (x);' };
    expect(() => migrate(raw, [bad])).toThrow(/already exists/);
    expect(raw.prepare(`SELECT name FROM sqlite_master WHERE name = 'a'`).get()).toBeUndefined();
    expect(raw.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
  });

  it('refuses a DB whose history was renamed', () => {
    const raw = new Database(':memory:');
    migrate(raw, [{ id: 1, name: 'one', sql: 'CREATE TABLE a (x)' }]);
    expect(() => migrate(raw, [{ id: 1, name: 'uno', sql: 'CREATE TABLE a (x)' }])).toThrow(MigrationError);
  });

  it('refuses a DB from a newer build', () => {
    const raw = new Database(':memory:');
    migrate(raw, [
      { id: 1, name: 'one', sql: 'CREATE TABLE a (x)' },
      { id: 2, name: 'two', sql: 'CREATE TABLE b (x)' },
    ]);
    expect(() => migrate(raw, [{ id: 1, name: 'one', sql: 'CREATE TABLE a (x)' }])).toThrow(/does not know/);
  });

  it('refuses out-of-order or duplicate migration lists', () => {
    const raw = new Database(':memory:');
    expect(() => migrate(raw, [{ id: 2, name: 'x', sql: 'SELECT 1' }])).toThrow(/ids must be 1..n/);
    expect(() =>
      migrate(raw, [
        { id: 1, name: 'x', sql: 'SELECT 1' },
        { id: 2, name: 'x', sql: 'SELECT 1' },
      ]),
    ).toThrow(/unique/);
  });
});
