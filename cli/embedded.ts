/**
 * The embedded mode's configuration source: the manifest folder (NANOCLAW_CONFIG_DIR), seeded with a working
 * example on the first run, projected into the central DB before the host starts and re-projected on change.
 * Problems are printed as `file: field: message` so a typo is found without reading JSON logs. A bad file never
 * stops the start: the host starts with the other files applied (as for any invalid manifest).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { HostConfig } from '../host/config.js';
import { openCentralDb, type CentralDb } from '../host/db/central-db.js';
import { dataLayout, ensureDataLayout } from '../host/session/layout.js';
import type { SyncResult } from '../operator/embedded/sync.js';
import { watchManifestDir } from '../operator/embedded/watch.js';
import { SEED_FILE, seedConfigDir } from './seed.js';

export interface Embedded {
  db: CentralDb;
  /** Applies the folder now (after the host itself wrote a file into it). */
  sync(): void;
  close(): Promise<void>;
}

function report(result: SyncResult): void {
  for (const e of result.errors) {
    process.stderr.write(`nanoclaw: ${e.file}: ${e.field ? `${e.field}: ` : ''}${e.message}\n`);
  }
}

export async function startEmbeddedConfig(config: HostConfig, log: Logger): Promise<Embedded> {
  const layout = dataLayout(config.dataDir);
  ensureDataLayout(layout);
  if (seedConfigDir(config.configDir)) {
    log.info(
      { file: path.join(config.configDir, SEED_FILE) },
      'first run: wrote an example agent, web chat and owner',
    );
  }
  const db = openCentralDb(layout.centralDb);
  const watcher = watchManifestDir(db, {
    dir: config.configDir,
    dataDir: config.dataDir,
    log,
    onSync: report,
  });
  try {
    await watcher.syncSettled();
  } catch (err) {
    watcher.close(); // an open fs.watch would keep a failed start alive
    db.close();
    throw err;
  }
  return {
    db,
    sync: () => void watcher.sync(),
    close: () => {
      watcher.close();
      return Promise.resolve();
    },
  };
}
