/**
 * The one entry point both modes use: validated object → rows in the central DB (one transaction per object), and
 * removal of the rows of objects that are gone. The Kubernetes operator and the embedded manifest loader differ
 * only in where objects come from and where the outcome goes (status vs. a returned list).
 * Removing an agent group's rows archives its folders (archive.ts): a folder is never inherited by a later object
 * with another id. Its sessions are archived too (session-archive.ts) and come back when an agent group with the
 * same id and folder is projected again: a configuration change never deletes a session.
 */
import type { CentralDb } from '../../host/db/central-db.js';
import { crdSourceUids, deleteCrdRows } from '../../host/db/provenance.js';
import type { AgentGroupSpec } from '../api/v1alpha1/agent-group.js';
import type { MessagingGroupSpec } from '../api/v1alpha1/messaging-group.js';
import type { ParsedManifest } from '../api/v1alpha1/parse.js';
import type { UserRoleSpec } from '../api/v1alpha1/user-role.js';
import { applyAgentGroup } from './apply-agent-group.js';
import { archiveFolders, projectedFolders, type FolderArchive } from './archive.js';
import { applyMessagingGroup } from './apply-messaging-group.js';
import { applyUserRole } from './apply-user-role.js';
import { archiveSessionsOfUids, recordSessionDirs, restoreArchivedSessions } from './session-archive.js';
import { desiredAgentGroup, desiredMessagingGroup, desiredUserRole } from './desired.js';
import type { IdScope } from './ids.js';
import { outcomeOf, type ApplyContext, type ConfigMapLookup, type Outcome, type SourceRef } from './types.js';

export interface ProjectOptions extends ApplyContext, IdScope {
  configMaps: ConfigMapLookup;
}

/** Kind order for a full pass: agent groups first, because chats and grants refer to them. */
export const KIND_ORDER = { AgentGroup: 0, MessagingGroup: 1, UserRole: 2 } as const;

/** What projection needs of an object besides its identity: kind and (defaulted, validated) spec. */
export type KindAndSpec = Pick<ParsedManifest, 'kind' | 'spec'> &
  (
    | { kind: 'AgentGroup'; spec: AgentGroupSpec }
    | { kind: 'MessagingGroup'; spec: MessagingGroupSpec }
    | { kind: 'UserRole'; spec: UserRoleSpec }
  );

export function projectObject(
  db: CentralDb,
  ref: SourceRef,
  manifest: KindAndSpec,
  opts: ProjectOptions,
): Outcome {
  switch (manifest.kind) {
    case 'AgentGroup': {
      const built = desiredAgentGroup(ref, manifest.spec, opts, opts.configMaps);
      if ('problem' in built) return outcomeOf([built.problem], 0, {}, '');
      return withRestore(db, opts.dataDir, applyAgentGroup(db, built.desired, opts));
    }
    case 'MessagingGroup':
      return withRestore(
        db,
        opts.dataDir,
        applyMessagingGroup(db, desiredMessagingGroup(ref, manifest.spec, opts), opts),
      );
    case 'UserRole':
      return applyUserRole(db, desiredUserRole(ref, manifest.spec, opts), opts);
  }
}

/** An agent group or chat that (re)appeared may bring archived sessions back; they count as writes. */
function withRestore(db: CentralDb, dataDir: string, outcome: Outcome): Outcome {
  if (outcome.writes === 0) return outcome;
  const restored = restoreArchivedSessions(db, dataDir);
  return restored.length ? { ...outcome, writes: outcome.writes + restored.length } : outcome;
}

export interface Removal {
  /** Rows removed (cascades not counted). */
  rows: number;
  /** Folders of removed agent groups, moved to the archive (or refused: a symlink is never followed). */
  archived: FolderArchive[];
}

/** Removes every row projected from `uid` (the object was deleted) and archives its agent group's folders. */
export function removeProjection(db: CentralDb, dataDir: string, uid: string): Removal {
  const { rows, folders } = db.tx(() => {
    const owned = projectedFolders(db, uid);
    archiveSessionsOfUids(db, [uid]);
    return { rows: deleteCrdRows(db, uid), folders: owned };
  });
  const archived = archiveFolders(db, dataDir, folders);
  recordSessionDirs(db, dataDir, archived);
  return { rows, archived };
}

/** Removes the rows of every uid that is not live, and archives their agent groups' folders. */
export function pruneProjection(
  db: CentralDb,
  dataDir: string,
  isLive: (uid: string) => boolean,
): { gone: string[]; archived: FolderArchive[] } {
  const { gone, folders } = db.tx(() => {
    const uids = [...crdSourceUids(db)].filter((uid) => !isLive(uid));
    const owned = uids.flatMap((uid) => projectedFolders(db, uid));
    archiveSessionsOfUids(db, uids); // before any delete: a chat's removal would clear their messaging_group_id
    for (const uid of uids) deleteCrdRows(db, uid);
    return { gone: uids, folders: owned };
  });
  const archived = archiveFolders(db, dataDir, folders);
  recordSessionDirs(db, dataDir, archived);
  return { gone, archived };
}
