/**
 * The embedded mode's operator: project a folder of manifests into the central DB with the same projection code
 * the Kubernetes operator uses, in one transaction, then prune rows of objects whose manifest is gone.
 *
 * Embedded objects have no API server: uids are derived from kind/name (stable across restarts), and the
 * generation is bumped when the projected content changes. A sync with nothing changed writes nothing.
 * Nothing is pruned unless every file was read (load.ts: a half-written, empty or unparsable file never deletes),
 * and pruned agent groups' sessions are archived, not deleted (projection/session-archive.ts).
 * An AgentGroup whose peer was not projected yet when its turn came is projected once more after the others, so
 * file order never matters.
 */
import type { Logger } from 'pino';
import type { CentralDb } from '../../host/db/central-db.js';
import { KIND_ORDER, projectObject, pruneProjection } from '../projection/project.js';
import type { ProjectOptions } from '../projection/project.js';
import { logArchived } from '../projection/archive.js';
import type { ObjectName, Outcome } from '../projection/types.js';
import { loadManifestDir, type ManifestError } from './load.js';

export interface SyncOptions {
  /** The manifest folder (NANOCLAW_CONFIG_DIR). */
  dir: string;
  /** NANOCLAW_DATA_DIR: agent folders go to <dataDir>/groups/<folder>/. */
  dataDir: string;
  /** Namespace the folder stands for (messages and ConfigMap lookups only); default "default". */
  namespace?: string;
  /** Files modified more recently than this wait for a later sync (load.ts); default 0. */
  settleMs?: number;
  log: Logger;
}

export interface SyncResult {
  /** Objects projected and ready. */
  applied: number;
  /** Objects whose rows changed in this sync. */
  changed: number;
  /** Objects whose rows were removed because their manifest is gone. */
  pruned: number;
  /** Invalid files (not applied at all) and objects that could not be (fully) projected. */
  errors: ManifestError[];
  /** Files not read yet because they changed less than settleMs ago (a later sync reads them). */
  unsettled: string[];
}

const countArchived = (db: CentralDb) =>
  db.first(db.q.selectFrom('archived_sessions').select((eb) => eb.fn.countAll<number>().as('n')))!.n;

export async function syncManifestDir(db: CentralDb, opts: SyncOptions): Promise<SyncResult> {
  const namespace = opts.namespace ?? 'default';
  const loaded = await loadManifestDir(opts.dir, { settleMs: opts.settleMs });
  const archivedBefore = countArchived(db);
  const errors = [...loaded.errors];
  const live = new Map<string, ObjectName>();
  for (const o of loaded.objects)
    live.set(o.uid, { kind: o.manifest.kind, namespace, name: o.manifest.metadata.name });
  const isLive = (uid: string) => live.has(uid) || loaded.keptUids.has(uid);
  const ctx: ProjectOptions = {
    dataDir: opts.dataDir,
    multiNamespace: false,
    // One folder is one namespace, the install's own: its UserRoles may grant global roles.
    globalGrantNamespaces: new Set([namespace]),
    isLive,
    lookup: (uid) => live.get(uid),
    configMaps: (_ns, name) => loaded.configMaps.get(name),
  };
  const ordered = [...loaded.objects].sort(
    (a, b) => KIND_ORDER[a.manifest.kind] - KIND_ORDER[b.manifest.kind],
  );
  let applied = 0;
  let changed = 0;
  let pruned = 0;
  const project = (o: (typeof ordered)[number]): Outcome | Error => {
    const { kind, metadata, spec } = o.manifest;
    const ref = { kind, namespace, name: metadata.name, uid: o.uid, generation: null };
    try {
      return projectObject(db, ref, { kind, spec } as Parameters<typeof projectObject>[2], ctx);
    } catch (err) {
      return err as Error;
    }
  };
  db.tx(() => {
    const outcomes = ordered.map((o) => ({ o, out: project(o), writes: 0 }));
    // A peer declared in a file projected before the peer's own: every agent group is in the DB by now.
    for (const r of outcomes) {
      if (r.out instanceof Error || !r.out.problems.some((p) => p.reason === 'PeerNotFound')) continue;
      r.writes = r.out.writes;
      r.out = project(r.o);
    }
    for (const { o, out, writes } of outcomes) {
      const { kind, metadata } = o.manifest;
      if (out instanceof Error) {
        errors.push({
          file: o.file,
          field: '',
          reason: 'ProjectionFailed',
          message: `${kind} "${metadata.name}": ${out.message}`,
        });
        continue;
      }
      if (out.writes + writes > 0) changed++;
      if (out.ready) applied++;
      for (const p of out.problems) {
        errors.push({
          file: o.file,
          field: p.field ?? '',
          reason: p.reason,
          message: `${kind} "${metadata.name}": ${p.message}`,
        });
      }
    }
    if (!loaded.complete) return;
    const { gone, archived } = pruneProjection(db, opts.dataDir, isLive);
    pruned = gone.length;
    logArchived(opts.log, archived);
  });
  if (loaded.unsettled.length > 0)
    opts.log.info({ files: loaded.unsettled }, 'manifest files still being written; read on the next sync');
  else if (!loaded.complete)
    opts.log.warn(
      { dir: opts.dir },
      'some manifest files could not be read, are empty or half-written; nothing pruned',
    );
  for (const e of errors) opts.log.warn({ file: e.file, field: e.field, reason: e.reason }, e.message);
  const archivedDelta = countArchived(db) - archivedBefore;
  if (changed > 0 || pruned > 0)
    opts.log.info(
      {
        dir: opts.dir,
        applied,
        changed,
        pruned,
        ...(archivedDelta > 0 && { sessionsArchived: archivedDelta }),
        ...(archivedDelta < 0 && { sessionsRestored: -archivedDelta }),
      },
      'manifests projected',
    );
  return { applied, changed, pruned, errors, unsettled: loaded.unsettled };
}
