/**
 * Which host `nanoclaw chat` talks to, and as whom: `--url`, else the running host of the data dir (its URL is in
 * `<data dir>/host.lock`, host/data-dir-lock.ts, which tells a live host from a dead one); the bearer token from
 * `--token`, NANOCLAW_WEB_TOKEN or the owner token file the host writes to the data dir. Every failure says what
 * was tried and what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_TOKEN_FILE } from '../host/channels/web/web-api.js';
import { DataDirLock } from '../host/data-dir-lock.js';

export type Found<T> = { ok: true; value: T } | { ok: false; error: string };

export function chatDataDir(given: string | undefined): string {
  return path.resolve(given ?? process.env.NANOCLAW_DATA_DIR ?? './data');
}

/** The web chat's base URL: given, or the one the data dir's running host recorded. */
export function findHostUrl(given: string | undefined, dataDir: string): Found<URL> {
  if (given) {
    try {
      return { ok: true, value: new URL(given) };
    } catch {
      return { ok: false, error: `--url ${given} is not a URL (e.g. http://127.0.0.1:3000/)` };
    }
  }
  const holder = DataDirLock.holder(dataDir);
  if (!holder)
    return {
      ok: false,
      error:
        `no host is running for the data dir ${dataDir}: is "nanoclaw start" running for this data dir? ` +
        'Start it, or pass --data-dir DIR (or --url URL) to reach another one',
    };
  if (!holder.url)
    return {
      ok: false,
      error: `the host of ${dataDir} (pid ${holder.pid}) is still starting; try again in a moment`,
    };
  return { ok: true, value: new URL(holder.url) };
}

/** The bearer to use: given, from the environment, or the local owner's file in the data dir. */
export function findToken(given: string | undefined, dataDir: string): Found<string> {
  if (given) return { ok: true, value: given };
  if (process.env.NANOCLAW_WEB_TOKEN) return { ok: true, value: process.env.NANOCLAW_WEB_TOKEN };
  const file = path.join(dataDir, LOCAL_TOKEN_FILE);
  try {
    return { ok: true, value: fs.readFileSync(file, 'utf8').trim() };
  } catch {
    return {
      ok: false,
      error: `no token: ${file} is missing (the host writes it when it starts on loopback); pass --token or set NANOCLAW_WEB_TOKEN`,
    };
  }
}

/** A sentence for a failed connection to the host at `url`. */
export function unreachable(url: URL, err: unknown, dataDir: string): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const why = e.cause?.code ?? e.cause?.message ?? e.message;
  return `cannot reach the host at ${url.origin} (${why}): is "nanoclaw start" running for this data dir (${dataDir})? Or pass --url URL`;
}
