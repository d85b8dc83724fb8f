/**
 * What the admin verbs share: their common options (`-o`, `--data-dir`), the action word, the data dir's central
 * DB, and the DB layer's InputError shown as a usage error that names the bad argument.
 *
 * Invariant: an admin verb never creates a data dir by accident — the central DB must already exist
 * (a mistyped --data-dir is a usage error, not an empty DB).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import { InputError } from '../host/errors.js';
import { dataLayout } from '../host/session/layout.js';
import { UsageError } from './args.js';

export const COMMON_OPTIONS = {
  output: { type: 'string', short: 'o' },
  'data-dir': { type: 'string' },
} as const;

/** The data dir: --data-dir, else NANOCLAW_DATA_DIR, else ./data. */
export function dataDirOf(values: { 'data-dir'?: string }): string {
  return path.resolve(values['data-dir'] ?? process.env.NANOCLAW_DATA_DIR ?? './data');
}

/** Opens the data dir's central DB for the duration of `fn`. */
export async function withCentralDb<T>(dataDir: string, fn: (db: CentralDb) => T | Promise<T>): Promise<T> {
  const file = dataLayout(dataDir).centralDb;
  if (!fs.existsSync(file))
    throw new UsageError(
      `--data-dir: no central DB at ${file} (give the host's data dir with --data-dir or NANOCLAW_DATA_DIR)`,
    );
  const db = openCentralDb(file);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** The action word: the first positional, one of `allowed`; `fallback` when there is none. */
export function actionOf<A extends string>(
  verb: string,
  positionals: string[],
  allowed: readonly A[],
  fallback?: A,
): A {
  const action = positionals[0] ?? fallback;
  if (action === undefined) throw new UsageError(`${verb}: give an action (${allowed.join(', ')})`);
  if (!(allowed as readonly string[]).includes(action))
    throw new UsageError(`${verb}: unknown action "${action}" (${allowed.join(', ')})`);
  return action as A;
}

/** Exactly `n` arguments after the action, named in the message when missing. */
export function argsOf(verb: string, positionals: string[], names: string[]): string[] {
  const rest = positionals.slice(1);
  if (rest.length !== names.length)
    throw new UsageError(
      `${verb}: expected ${names.length ? names.map((n) => `<${n}>`).join(' ') : 'no arguments'} after "${positionals[0]}", got ${rest.length}`,
    );
  return rest;
}

/** A positive integer option (e.g. --limit), or `fallback` when absent. */
export function positiveInt(
  verb: string,
  option: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new UsageError(`${verb}: --${option} must be a whole number from 1 to 100000, not "${value}"`);
  return n;
}

/**
 * Runs a DB-layer call; its InputError (bad user id, unknown agent group, scoped owner…) becomes a usage error
 * prefixed with the CLI argument that carried the field (`args` maps InputError.field to it).
 */
export function asUsage<T>(verb: string, args: Record<string, string>, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const arg = args[err.field];
    throw new UsageError(`${verb}: ${arg ? `${arg}: ` : ''}${err.message}`);
  }
}
