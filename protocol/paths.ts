/**
 * The filesystem a runner sees. In a pod and in the embedded bubblewrap sandbox these are mounts; without a
 * sandbox the host builds the same tree (the session directory with `agent` and `global` links inside it) and
 * points NANOCLAW_WORKSPACE at it.
 *
 *   /workspace            the session directory (rw): inbound.db (read-only), outbound.db, .heartbeat, inbox/, outbox/
 *   /workspace/agent      the agent group's folder (read-only: shared by all sessions of the group, written by the host)
 *   /workspace/global     the global folder (read-only)
 */
import path from 'node:path';

export const DEFAULT_WORKSPACE = '/workspace';
export const AGENT_SUBDIR = 'agent';
export const GLOBAL_SUBDIR = 'global';
const INBOUND_DB = 'inbound.db';
const OUTBOUND_DB = 'outbound.db';
const HEARTBEAT_FILE = '.heartbeat';
const INBOX_DIR = 'inbox';
const OUTBOX_DIR = 'outbox';

export interface WorkspacePaths {
  root: string;
  agent: string;
  global: string;
  inboundDb: string;
  outboundDb: string;
  heartbeat: string;
  inbox: string;
  outbox: string;
}

export function workspacePaths(root: string): WorkspacePaths {
  return {
    root,
    agent: path.join(root, AGENT_SUBDIR),
    global: path.join(root, GLOBAL_SUBDIR),
    inboundDb: path.join(root, INBOUND_DB),
    outboundDb: path.join(root, OUTBOUND_DB),
    heartbeat: path.join(root, HEARTBEAT_FILE),
    inbox: path.join(root, INBOX_DIR),
    outbox: path.join(root, OUTBOX_DIR),
  };
}
