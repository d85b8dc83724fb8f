/**
 * Where things live under the data dir (the same tree on a laptop and on the shared PVC):
 *
 *   <data>/nanoclaw.db                          central DB
 *   <data>/groups/<folder>/                     an agent group's folder  → /workspace/agent
 *   <data>/groups/global/                       shared, read-only to runners → /workspace/global
 *   <data>/sessions/<folder>/<session id>/      a session                 → /workspace
 */
import fs from 'node:fs';
import path from 'node:path';
import { workspacePaths, type WorkspacePaths } from '../../protocol/paths.js';
import { ensureDirInside } from './safe-fs.js';

export interface DataLayout {
  dataDir: string;
  centralDb: string;
  groupsDir: string;
  globalDir: string;
  sessionsDir: string;
}

export function dataLayout(dataDir: string): DataLayout {
  return {
    dataDir,
    centralDb: path.join(dataDir, 'nanoclaw.db'),
    groupsDir: path.join(dataDir, 'groups'),
    globalDir: path.join(dataDir, 'groups', 'global'),
    sessionsDir: path.join(dataDir, 'sessions'),
  };
}

/** Relative to the data dir, so the same value works as a PVC subPath. */
export function sessionSubPath(folder: string, sessionId: string): string {
  return path.posix.join('sessions', folder, sessionId);
}

export function groupSubPath(folder: string): string {
  return path.posix.join('groups', folder);
}

export const GLOBAL_SUBPATH = 'groups/global';

export function sessionPaths(layout: DataLayout, folder: string, sessionId: string): WorkspacePaths {
  return workspacePaths(path.join(layout.dataDir, sessionSubPath(folder, sessionId)));
}

/**
 * Creates the session directory with its inbox and outbox (inbound.db is created by the session DB layer). The
 * directory is runner-writable: a symlink planted on the way refuses the operation (session/safe-fs.ts).
 */
export function ensureSessionDir(layout: DataLayout, paths: WorkspacePaths): void {
  for (const dir of [paths.inbox, paths.outbox])
    ensureDirInside(layout.dataDir, path.relative(layout.dataDir, dir));
}

export function ensureDataLayout(layout: DataLayout): void {
  fs.mkdirSync(layout.globalDir, { recursive: true });
  fs.mkdirSync(layout.sessionsDir, { recursive: true });
}
