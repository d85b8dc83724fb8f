/**
 * A synchronous SQLite handle with a typed, compile-only kysely query builder on top.
 *
 * Invariants kept here:
 * - Queries are built with kysely (typed against the table interfaces) and executed synchronously by
 *   better-sqlite3, so a transaction is a plain synchronous function: nothing can interleave with it.
 * - `tx` opens BEGIN IMMEDIATE, so a writer takes the write lock up front and never fails half-way on a
 *   lock upgrade; nested `tx` calls become savepoints.
 */
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type InferResult,
} from 'kysely';

const MAX_CACHED_STATEMENTS = 512;

export interface OpenOptions {
  /**
   * journal_mode: WAL for the central DB; a rollback journal for session DBs that cross a mount — DELETE, or
   * PERSIST where the journal file must stay the same file (inbound.db, whose journal is mounted read-only).
   */
  journalMode: 'wal' | 'delete' | 'persist';
  readonly?: boolean;
  busyTimeoutMs?: number;
  /**
   * For a file another party writes: functions in its schema are not trusted (`trusted_schema = OFF`) and
   * b-tree cells are checked as they are read (`cell_size_check = ON`). better-sqlite3 already opens every
   * connection with SQLITE_DBCONFIG_DEFENSIVE (it is only lifted by `unsafeMode()`, which we never call).
   */
  untrusted?: boolean;
}

export class SqliteDb<Schema> {
  readonly raw: Database.Database;
  readonly q: Kysely<Schema>;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string, opts: OpenOptions) {
    this.raw = new Database(file, {
      readonly: opts.readonly ?? false,
      fileMustExist: opts.readonly ?? false,
    });
    this.raw.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    if (!opts.readonly) this.raw.pragma(`journal_mode = ${opts.journalMode}`);
    this.raw.pragma('foreign_keys = ON');
    if (opts.untrusted) {
      this.raw.pragma('trusted_schema = OFF');
      this.raw.pragma('cell_size_check = ON');
    }
    if (opts.journalMode === 'wal' && !opts.readonly) this.raw.pragma('synchronous = NORMAL');
    this.q = new Kysely<Schema>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    });
  }

  /** A cached prepared statement; the cache is bounded because queries are built from a fixed set of shapes. */
  prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      stmt = this.raw.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  all<Q extends Compilable>(query: Q): InferResult<Q> {
    const c = query.compile();
    return this.prepare(c.sql).all(...(c.parameters as unknown[])) as InferResult<Q>;
  }

  first<Q extends Compilable>(query: Q): InferResult<Q>[number] | undefined {
    const c = query.compile();
    return this.prepare(c.sql).get(...(c.parameters as unknown[])) as InferResult<Q>[number] | undefined;
  }

  run(query: Compilable): Database.RunResult {
    const c = query.compile();
    return this.prepare(c.sql).run(...(c.parameters as unknown[]));
  }

  tx<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }

  close(): void {
    if (this.raw.open) this.raw.close();
  }
}
