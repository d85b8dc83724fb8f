/**
 * A session's workspace for a runner that gets it as mounts (the bubblewrap sandbox, a Docker container): the
 * host paths to bind, checked right before each launch.
 *
 * Invariants: `agent` and `global` are real directories (mount points; a planted symlink is replaced), inbound.db
 * and its journal are regular files reached without a symlink (a bind would follow one and mount whatever it
 * points at), and the host's runner socket is a socket. Anything else throws, naming the path, and nothing starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AGENT_SUBDIR, GLOBAL_SUBDIR, workspacePaths } from '../../../protocol/paths.js';
import { journalFile } from '../../../protocol/session-db.js';
import { ensureDirInside, regularFileInside } from '../../session/safe-fs.js';
import type { RunnerSpec } from '../runtime.js';
import { runnerSocketPath } from '../runner-socket.js';
import { mountPointIn } from './workspace-entries.js';

/** The runner's home directory inside the session directory (`/workspace/.home`). */
export const HOME_SUBDIR = '.home';

export interface MountedWorkspace {
  sessionDir: string;
  agentDir: string;
  globalDir: string;
  hostSocket: string;
}

export function prepareMountedWorkspace(dataDir: string, spec: RunnerSpec): MountedWorkspace {
  const sessionDir = ensureDirInside(dataDir, spec.sessionSubPath);
  mountPointIn(sessionDir, AGENT_SUBDIR);
  mountPointIn(sessionDir, GLOBAL_SUBDIR);
  ensureDirInside(dataDir, path.join(spec.sessionSubPath, HOME_SUBDIR));
  const inbound = path.relative(sessionDir, workspacePaths(sessionDir).inboundDb);
  for (const name of [inbound, journalFile(inbound)]) {
    const file = regularFileInside(dataDir, path.join(spec.sessionSubPath, name));
    if (!fs.existsSync(file))
      throw new Error(`${file} is missing: the host creates it before a runner starts`);
  }
  const hostSocket = runnerSocketPath(dataDir);
  if (!fs.lstatSync(hostSocket, { throwIfNoEntry: false })?.isSocket())
    throw new Error(`${hostSocket} is missing: the host listens there before a sandboxed runner starts`);
  return {
    sessionDir,
    agentDir: ensureDirInside(dataDir, spec.agentSubPath),
    globalDir: ensureDirInside(dataDir, spec.globalSubPath),
    hostSocket,
  };
}
