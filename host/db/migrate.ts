/**
 * Forward-only, ordered migrations. Each migration runs in its own transaction together with the row
 * that records it, so a crash leaves the DB either before or after a migration, never inside one.
 * Ids are 1..n without gaps; an applied migration whose name differs from the code's is a hard error
 * (someone edited history). Processes that open the same DB at once (host and operator) apply each migration once:
 * the transaction takes the write lock first and skips a migration another process recorded meanwhile.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  id: number;
  name: string;
  /** Plain SQL, run with exec (several statements allowed). */
  sql?: string;
  /** For data migrations that need code; runs after `sql` inside the same transaction. */
  up?: (db: Database.Database) => void;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

function validateMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.id !== i + 1)
      throw new MigrationError(`migration #${i + 1} has id ${m.id}: ids must be 1..n in order`);
    if (!m.sql && !m.up) throw new MigrationError(`migration ${m.id} (${m.name}) has neither sql nor up`);
  });
  const names = new Set(migrations.map((m) => m.name));
  if (names.size !== migrations.length) throw new MigrationError('migration names must be unique');
}

/** Applies pending migrations; returns the ids it applied (empty when the DB is current). */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number[] {
  validateMigrations(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)`);
  const applied = db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all() as {
    id: number;
    name: string;
  }[];
  for (const row of applied) {
    const known = migrations[row.id - 1];
    if (!known)
      throw new MigrationError(`DB has migration ${row.id} (${row.name}) that this build does not know`);
    if (known.name !== row.name)
      throw new MigrationError(
        `DB migration ${row.id} is "${row.name}" but this build calls it "${known.name}"`,
      );
  }
  const done: number[] = [];
  const recorded = db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?');
  for (const m of migrations.slice(applied.length)) {
    const ran = db
      .transaction(() => {
        // Another process on the same file (the operator beside the host) may have applied it since the read above.
        if (recorded.get(m.id)) return false;
        if (m.sql) db.exec(m.sql);
        m.up?.(db);
        db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
          m.id,
          m.name,
          new Date().toISOString(),
        );
        return true;
      })
      .immediate();
    if (ran) done.push(m.id);
  }
  return done;
}
