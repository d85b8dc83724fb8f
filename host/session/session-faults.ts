/**
 * What can go wrong with a session's files that is not the host's bug: another process holds a lock (on a session
 * DB, or on the central DB a chat's message needs too), the disk is full or failing, a runner died in the middle
 * of a commit, or the runner left a file the host refuses. Such a
 * fault is the session's, never the host's: it is reported (503 with a reason to a client), retried with back-off,
 * and it heals by itself once the cause is gone.
 *
 * Invariants:
 * - Only SQLite result codes that describe the environment count (busy, locked, I/O, full, read-only rollback,
 *   can't open, corrupt/not a DB) plus UntrustedOutboundError and UnsafePathError; anything else is a bug and
 *   stays a 500.
 * - Back-off is per session and in memory: one failing session never delays another.
 */
import { UntrustedOutboundError } from './host-outbound.js';
import { UnsafePathError } from './safe-fs.js';

const REASONS: [RegExp, string][] = [
  [/^SQLITE_(BUSY|LOCKED)/, 'a database this chat needs is locked by another process'],
  [/^SQLITE_READONLY_ROLLBACK/, 'a runner stopped in the middle of a write; recovering'],
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_(IOERR|CANTOPEN|READONLY)/, 'the session database cannot be read or written'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the session database is damaged'],
];

/** Whether `err` is another process's lock (SQLITE_BUSY / SQLITE_LOCKED): it passes by itself, so retry later. */
export function isLockFault(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** A short, client-safe reason when `err` is a session fault (see the invariants); null for anything else. */
export function sessionFaultReason(err: unknown): string | null {
  if (err instanceof UntrustedOutboundError) return 'the session’s runner left a file the host refuses';
  if (err instanceof UnsafePathError) return 'the session directory is not usable';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  return REASONS.find(([re]) => re.test(code))?.[1] ?? null;
}

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** Per-session exponential back-off after faults: 1 s, 2 s, 4 s … 30 s; one success clears it. */
export class FaultBackoff {
  private readonly faults = new Map<string, { count: number; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the session should be left alone for now. */
  waiting(sessionId: string): boolean {
    const f = this.faults.get(sessionId);
    return f !== undefined && this.now() < f.until;
  }

  /** Records a fault; returns the back-off in ms. */
  failed(sessionId: string): number {
    const count = (this.faults.get(sessionId)?.count ?? 0) + 1;
    const ms = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (count - 1));
    this.faults.set(sessionId, { count, until: this.now() + ms });
    return ms;
  }

  succeeded(sessionId: string): void {
    this.faults.delete(sessionId);
  }
}
