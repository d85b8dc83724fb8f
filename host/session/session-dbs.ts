/**
 * The one way host code reaches a session: its central-DB row plus its directory and open DB handles.
 *
 * Invariants:
 * - inbound.db is opened read-write (the host is its only writer), outbound.db read-only (the runner is its only
 *   writer) and only once the runner has created it. Both live in the runner-writable session directory, so each
 *   is opened only as a regular file reached without a symlink (session/safe-fs.ts), and outbound.db is read only
 *   through HostOutbound, which treats it as untrusted input.
 * - Open handles are cached per session in a bounded LRU; closing a handle never loses anything, it only costs a
 *   reopen. What is cached with a handle (the agent group's folder, which is immutable, and the hash of the
 *   session context last written to inbound.db) goes with it, so nothing per session outlives `close`.
 * - The host's handles of session DBs wait at most SESSION_BUSY_MS for another process's lock (outbound.db: see
 *   protocol/session-db.ts), so a stuck lock costs one request a short wait and a 503, not the event loop 5 s per
 *   statement (session-faults.ts). The central DB keeps its own, longer timeout.
 * - A re-created inbound.db (deleted, restored from elsewhere) never makes the host send a runner's old replies
 *   again: when the host creates inbound.db while outbound.db already holds rows, those rows are recorded as not
 *   sent (with that reason) before anything reads them for delivery.
 * - A leftover journal of outbound.db is rolled back by the host before it reads the file, when no runner of the
 *   session is running (hot-journal.ts): a runner's crash never leaves the chat unusable. The rollback goes
 *   through its own connection; the cached read handle stays open (callers may hold it across an await). A journal
 *   SQLite does not consider hot (empty, or a zeroed header: a runner killed as it began a commit) stays until the
 *   next runner commits; it is tried once per change of its size or mtime, not on every read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { journalFile, openInboundForHost, type InboundDb } from '../../protocol/session-db.js';
import type { WorkspacePaths } from '../../protocol/paths.js';
import type { CentralDb } from '../db/central-db.js';
import { getAgentGroup } from '../db/agent-groups.js';
import type { Session } from '../db/schema.js';
import { HostOutbound } from './host-outbound.js';
import { recordDelivery } from './inbound-writer.js';
import { rollBackHotJournal } from './hot-journal.js';
import { ensureSessionDir, sessionPaths, type DataLayout } from './layout.js';
import { regularFileInside } from './safe-fs.js';
import { getSession } from './session-store.js';

const MAX_OPEN_SESSIONS = 256;
/** The host's wait for a runner's read lock on inbound.db (runner reads are short transactions). */
const SESSION_BUSY_MS = 250;
const SETTLE_BATCH = 500;
const RECREATED =
  'inbound.db was re-created after this message was written; it is not sent again (its outcome was lost)';

export interface SessionHandle {
  readonly session: Session;
  /** The agent group's folder (sessions live under it). */
  readonly folder: string;
  readonly paths: WorkspacePaths;
  inbound(): InboundDb;
  /** outbound.db read-only and checked on every read, or null until the runner has created it. */
  outbound(): HostOutbound | null;
  /** Hash of the session context (destinations, reply address) last written to inbound.db by this process. */
  contextHash: string | null;
}

interface Open {
  folder: string;
  paths: WorkspacePaths;
  inbound: InboundDb | null;
  outbound: HostOutbound | null;
  contextHash: string | null;
  /** Size and mtime of a journal a rollback left in place (not hot), so it is not tried again unchanged. */
  inertJournal: string | null;
}

function openInbound(layout: DataLayout, paths: WorkspacePaths): InboundDb {
  ensureSessionDir(layout, paths);
  const rel = path.relative(layout.dataDir, paths.inboundDb);
  regularFileInside(layout.dataDir, journalFile(rel));
  const db = openInboundForHost(regularFileInside(layout.dataDir, rel));
  db.raw.pragma(`busy_timeout = ${SESSION_BUSY_MS}`);
  return db;
}

/** A file's size and mtime as one comparable string, or null when it does not exist. */
function statOf(file: string): string | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeMs}` : null;
}

export class SessionDbs {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly db: CentralDb,
    private readonly layout: DataLayout,
    /** Whether a runner of the session is running (then its files are the runner's to recover). */
    private readonly runnerRunning: (sessionId: string) => boolean = () => false,
  ) {}

  /** The session's handle, or undefined when it has no row. */
  get(sessionId: string): SessionHandle | undefined {
    const session = getSession(this.db, sessionId);
    return session ? this.of(session) : undefined;
  }

  /** The handle of a session row in hand. Throws when its agent group is gone. */
  of(session: Session): SessionHandle {
    const entry = this.entry(session);
    return {
      session,
      folder: entry.folder,
      paths: entry.paths,
      inbound: () => (entry.inbound ??= this.openInbound(session.id, entry)),
      outbound: () => this.outbound(session.id, entry),
      get contextHash() {
        return entry.contextHash;
      },
      set contextHash(hash: string | null) {
        entry.contextHash = hash;
      },
    };
  }

  private openInbound(sessionId: string, entry: Open): InboundDb {
    const created = !fs.existsSync(entry.paths.inboundDb);
    const inbound = openInbound(this.layout, entry.paths);
    if (created && fs.existsSync(entry.paths.outboundDb)) {
      const outbound = this.outbound(sessionId, entry);
      for (let after = 0; outbound;) {
        const reads = outbound.messagesAfter(after, SETTLE_BATCH);
        if (reads.length === 0) break;
        inbound.raw.transaction(() => {
          for (const r of reads) {
            const id = 'row' in r ? r.row.id : r.rejected.id;
            if (id !== null) recordDelivery(inbound, id, 'failed', null, RECREATED);
          }
        })();
        const last = reads[reads.length - 1]!;
        after = 'row' in last ? last.row.seq : last.rejected.seq;
      }
    }
    return inbound;
  }

  private outbound(sessionId: string, entry: Open): HostOutbound | null {
    const rel = path.relative(this.layout.dataDir, entry.paths.outboundDb);
    if (!this.runnerRunning(sessionId)) {
      const journal = statOf(journalFile(entry.paths.outboundDb));
      if (journal !== null && journal !== entry.inertJournal) {
        rollBackHotJournal(this.layout.dataDir, rel);
        entry.inertJournal = statOf(journalFile(entry.paths.outboundDb));
      }
    }
    return (entry.outbound ??= HostOutbound.open(this.layout.dataDir, rel));
  }

  private entry(session: Session): Open {
    const cached = this.open.get(session.id);
    if (cached) {
      this.open.delete(session.id);
      this.open.set(session.id, cached);
      return cached;
    }
    const group = getAgentGroup(this.db, session.agent_group_id);
    if (!group)
      throw new Error(
        `session ${session.id} belongs to agent group ${session.agent_group_id}, which is gone`,
      );
    if (this.open.size >= MAX_OPEN_SESSIONS) this.close(this.open.keys().next().value as string);
    const entry: Open = {
      folder: group.folder,
      paths: sessionPaths(this.layout, group.folder, session.id),
      inbound: null,
      outbound: null,
      contextHash: null,
      inertJournal: null,
    };
    this.open.set(session.id, entry);
    return entry;
  }

  close(sessionId: string): void {
    const entry = this.open.get(sessionId);
    if (!entry) return;
    this.open.delete(sessionId);
    entry.inbound?.close();
    entry.outbound?.close();
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}
