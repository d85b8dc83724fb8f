/**
 * The host's open handles on session DBs. inbound.db is opened read-write (the host is its only writer),
 * outbound.db read-only (the runner is its only writer). Handles are cached per session and the cache is bounded;
 * closing a handle never loses anything, it only costs a reopen.
 */
import {
  openInboundForHost,
  openOutboundForHost,
  type InboundDb,
  type OutboundDb,
} from '../../protocol/session-db.js';
import type { WorkspacePaths } from '../../protocol/paths.js';
import { ensureSessionDir, sessionPaths, type DataLayout } from './layout.js';

const MAX_OPEN_SESSIONS = 256;

export interface SessionRef {
  id: string;
  folder: string;
}

interface Handles {
  paths: WorkspacePaths;
  inbound: InboundDb;
  outbound: OutboundDb | null;
}

export class SessionDbs {
  private readonly open = new Map<string, Handles>();

  constructor(private readonly layout: DataLayout) {}

  paths(ref: SessionRef): WorkspacePaths {
    return sessionPaths(this.layout, ref.folder, ref.id);
  }

  private handles(ref: SessionRef): Handles {
    let h = this.open.get(ref.id);
    if (h) {
      this.open.delete(ref.id);
      this.open.set(ref.id, h);
      return h;
    }
    if (this.open.size >= MAX_OPEN_SESSIONS) {
      const oldest = this.open.keys().next().value as string;
      this.close(oldest);
    }
    const paths = this.paths(ref);
    ensureSessionDir(paths);
    h = { paths, inbound: openInboundForHost(paths.inboundDb), outbound: null };
    this.open.set(ref.id, h);
    return h;
  }

  inbound(ref: SessionRef): InboundDb {
    return this.handles(ref).inbound;
  }

  /** outbound.db read-only, or null until the runner has created it. */
  outbound(ref: SessionRef): OutboundDb | null {
    const h = this.handles(ref);
    h.outbound ??= openOutboundForHost(h.paths.outboundDb);
    return h.outbound;
  }

  close(sessionId: string): void {
    const h = this.open.get(sessionId);
    if (!h) return;
    this.open.delete(sessionId);
    h.inbound.close();
    h.outbound?.close();
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}
