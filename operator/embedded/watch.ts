/**
 * Re-syncs the manifest folder when files change (fs.watch, debounced) and, as a safety net for file systems that
 * drop events, on a slow period. A sync that finds nothing changed writes nothing, so the period costs no writes.
 *
 * Invariants:
 * - Syncs never overlap: one runs at a time, a request during a sync runs once after it.
 * - A file still being written (modified less than settleMs ago) is read by a follow-up sync once it has settled.
 * - A failing sync is logged with the folder and never rejects into the host.
 */
import fs from 'node:fs';
import { syncManifestDir, type SyncOptions, type SyncResult } from './sync.js';
import type { CentralDb } from '../../host/db/central-db.js';

/** Quiet time a file needs before it is read: an editor's save or a local copy finishes well within it. */
const DEFAULT_SETTLE_MS = 1000;

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
  sync(): Promise<SyncResult>;
  /** Syncs until no file is left unsettled or `maxWaitMs` passed (the start-up sync). */
  syncSettled(maxWaitMs?: number): Promise<SyncResult>;
  close(): void;
}

export function watchManifestDir(db: CentralDb, opts: WatchOptions): ManifestWatcher {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failing = false;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  let running: Promise<SyncResult> | undefined;
  const schedule = (delayMs = opts.debounceMs ?? 200) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void safeSync(), delayMs);
  };
  const sync = async (): Promise<SyncResult> => {
    while (running) await running.catch(() => undefined);
    running = syncManifestDir(db, { ...opts, settleMs });
    try {
      const result = await running;
      // Errors are reported by every sync (onSync); their end once, here, so a fix is seen to have worked.
      if (failing && result.errors.length === 0)
        opts.log.info(
          { dir: opts.dir, applied: result.applied },
          `config OK: ${result.applied} objects applied`,
        );
      failing = result.errors.length > 0;
      opts.onSync?.(result);
      if (result.unsettled.length > 0) schedule(settleMs);
      return result;
    } finally {
      running = undefined;
    }
  };
  const safeSync = async () => {
    if (closed) return;
    try {
      await sync();
    } catch (err) {
      opts.log.error({ err, dir: opts.dir }, 'manifest sync failed');
    }
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(opts.dir, { recursive: true }, () => schedule());
    watcher.on('error', (err) =>
      opts.log.warn({ err, dir: opts.dir }, 'manifest folder watch failed; relying on the period'),
    );
  } catch (err) {
    opts.log.warn({ err, dir: opts.dir }, 'cannot watch the manifest folder; relying on the period');
  }
  const intervalMs = opts.intervalMs ?? 60_000;
  const interval = intervalMs > 0 ? setInterval(() => void safeSync(), intervalMs) : undefined;
  interval?.unref();
  return {
    sync,
    async syncSettled(maxWaitMs = 10_000) {
      const deadline = Date.now() + maxWaitMs;
      let result = await sync();
      while (result.unsettled.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(settleMs, Math.max(0, deadline - Date.now()))));
        result = await sync();
      }
      return result;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (interval) clearInterval(interval);
      watcher?.close();
    },
  };
}
