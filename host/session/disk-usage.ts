/**
 * How much disk the sessions take: every directory under <data>/sessions/<folder>/<session id>/ measured by the
 * sizes of the regular files in it (its DBs and their journals, inbox/, outbox/, the heartbeat), for `nanoclaw
 * status`. What bounds them is session-compaction.ts (the DBs) and the attachment limits (inbox/outbox).
 *
 * Invariants: read-only; symlinks are never followed (a runner can plant one in its own directory); bounded —
 * at most MAX_ENTRIES directory entries are looked at in all, and the result says when it stopped early.
 */
import fs from 'node:fs';
import path from 'node:path';

interface SessionDisk {
  folder: string;
  sessionId: string;
  bytes: number;
}

export interface DiskUsage {
  sessions: SessionDisk[];
  totalBytes: number;
  /** True when MAX_ENTRIES was reached: the numbers are a lower bound. */
  partial: boolean;
}

const MAX_ENTRIES = 1_000_000;

export function sessionsDiskUsage(sessionsDir: string): DiskUsage {
  let budget = MAX_ENTRIES;
  const list = (dir: string): fs.Dirent[] => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const taken = entries.slice(0, Math.max(0, budget));
    budget -= entries.length;
    return taken;
  };
  const sizeOf = (dir: string): number =>
    list(dir).reduce((sum, e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return sum + sizeOf(p);
      if (!e.isFile()) return sum;
      try {
        return sum + fs.lstatSync(p).size;
      } catch {
        return sum;
      }
    }, 0);
  const sessions: SessionDisk[] = [];
  for (const folder of list(sessionsDir).filter((e) => e.isDirectory()))
    for (const s of list(path.join(sessionsDir, folder.name)).filter((e) => e.isDirectory()))
      sessions.push({
        folder: folder.name,
        sessionId: s.name,
        bytes: sizeOf(path.join(sessionsDir, folder.name, s.name)),
      });
  sessions.sort((a, b) => b.bytes - a.bytes || a.sessionId.localeCompare(b.sessionId));
  return { sessions, totalBytes: sessions.reduce((n, s) => n + s.bytes, 0), partial: budget < 0 };
}
