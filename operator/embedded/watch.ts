/**
 * Re-syncs the manifest folder when files change (fs.watch, debounced) and, as a safety net for file systems that
 * drop events, on a slow period. A sync that finds nothing changed writes nothing, so the period costs no writes.
 */
import fs from 'node:fs';
import { syncManifestDir, type SyncOptions, type SyncResult } from './sync.js';
import type { CentralDb } from '../../host/db/central-db.js';

export interface WatchOptions extends SyncOptions {
  /** Quiet time after the last file event before syncing (default 200 ms). */
  debounceMs?: number;
  /** Safety re-sync period (default 60 s; 0 disables). */
  intervalMs?: number;
  /** Called after every sync. */
  onSync?: (result: SyncResult) => void;
}

export interface ManifestWatcher {
  /** Syncs now (also what the watcher runs). */
  sync(): SyncResult;
  close(): void;
}

export function watchManifestDir(db: CentralDb, opts: WatchOptions): ManifestWatcher {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failing = false;
  const sync = () => {
    const result = syncManifestDir(db, opts);
    // Errors are reported by every sync (onSync); their end once, here, so a fix is seen to have worked.
    if (failing && result.errors.length === 0)
      opts.log.info(
        { dir: opts.dir, applied: result.applied },
        `config OK: ${result.applied} objects applied`,
      );
    failing = result.errors.length > 0;
    opts.onSync?.(result);
    return result;
  };
  const safeSync = () => {
    if (closed) return;
    try {
      sync();
    } catch (err) {
      opts.log.error({ err, dir: opts.dir }, 'manifest sync failed');
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(safeSync, opts.debounceMs ?? 200);
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(opts.dir, { recursive: true }, schedule);
    watcher.on('error', (err) =>
      opts.log.warn({ err, dir: opts.dir }, 'manifest folder watch failed; relying on the period'),
    );
  } catch (err) {
    opts.log.warn({ err, dir: opts.dir }, 'cannot watch the manifest folder; relying on the period');
  }
  const intervalMs = opts.intervalMs ?? 60_000;
  const interval = intervalMs > 0 ? setInterval(safeSync, intervalMs) : undefined;
  interval?.unref();
  return {
    sync,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (interval) clearInterval(interval);
      watcher?.close();
    },
  };
}
