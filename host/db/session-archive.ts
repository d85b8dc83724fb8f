/**
 * Sessions of removed agent groups (table archived_sessions, migration 007). A configuration change never deletes
 * a session: before an agent_groups row goes (its sessions cascade), they are copied here; once an agent group with
 * the same id and folder exists again — and the session's chat, if it had one — they move back, closed.
 *
 * Invariants:
 * - A session id is in at most one of sessions / archived_sessions (restore inserts and deletes in one tx).
 * - A restored session has no runner token and no wake-up (the next message starts a runner); it is active again
 *   only if it was and no other session has become the active one for its key meanwhile.
 */
import { sql } from 'kysely';
import type { CentralDb } from './central-db.js';
import { nowIso } from './central-db.js';
import type { ArchivedSession, Session } from './schema.js';

/** Copies the sessions of these agent groups into archived_sessions; returns the archived session ids. */
export function archiveSessionsOf(db: CentralDb, agentGroupIds: readonly string[]): string[] {
  if (agentGroupIds.length === 0) return [];
  return db.tx(() => {
    const rows = db.all(
      db.q
        .selectFrom('sessions')
        .innerJoin('agent_groups', 'agent_groups.id', 'sessions.agent_group_id')
        .select([
          'sessions.id',
          'sessions.agent_group_id',
          'agent_groups.folder',
          'sessions.messaging_group_id',
          'sessions.thread_id',
          'sessions.session_mode',
          'sessions.status',
          'sessions.last_active',
          'sessions.created_at',
        ])
        .where('sessions.agent_group_id', 'in', agentGroupIds),
    );
    const at = nowIso();
    for (const r of rows) {
      db.run(
        db.q
          .insertInto('archived_sessions')
          .values({ ...r, archived_at: at, archive_dir: null })
          .onConflict((oc) => oc.column('id').doUpdateSet({ archived_at: at, archive_dir: null })),
      );
    }
    return rows.map((r) => r.id);
  });
}

/** Records where a session's directory went in the archive (relative to the data dir). */
export function setArchiveDir(db: CentralDb, sessionId: string, archiveDir: string): void {
  db.run(db.q.updateTable('archived_sessions').set({ archive_dir: archiveDir }).where('id', '=', sessionId));
}

/**
 * Archived sessions that can come back now: their agent group exists with the same id and folder, and their chat
 * (when they had one) exists.
 */
export function restorableSessions(db: CentralDb): ArchivedSession[] {
  return db.all(
    db.q
      .selectFrom('archived_sessions as a')
      .innerJoin('agent_groups as g', (j) =>
        j.onRef('g.id', '=', 'a.agent_group_id').onRef('g.folder', '=', 'a.folder'),
      )
      .selectAll('a')
      .where((eb) =>
        eb.or([
          eb('a.messaging_group_id', 'is', null),
          eb.exists(
            eb
              .selectFrom('messaging_groups as m')
              .select(sql`1`.as('one'))
              .whereRef('m.id', '=', 'a.messaging_group_id'),
          ),
        ]),
      )
      .orderBy('a.id'),
  );
}

/** Whether some session is active for the archived one's key (agent group, and chat + thread unless agent-shared). */
function superseded(db: CentralDb, s: ArchivedSession): boolean {
  let q = db.q
    .selectFrom('sessions')
    .select('id')
    .where('agent_group_id', '=', s.agent_group_id)
    .where('status', '=', 'active');
  q =
    s.session_mode === 'agent-shared'
      ? q.where('session_mode', '=', 'agent-shared')
      : q
          .where('session_mode', '!=', 'agent-shared')
          .where(sql<boolean>`messaging_group_id IS ${s.messaging_group_id}`)
          .where(sql<boolean>`thread_id IS ${s.thread_id}`);
  return db.first(q.limit(1)) !== undefined;
}

/** Moves one archived session back into sessions; returns the status it came back with. */
export function unarchiveSession(db: CentralDb, s: ArchivedSession): Session['status'] {
  return db.tx(() => {
    const status = s.status === 'active' && superseded(db, s) ? 'closed' : s.status;
    db.run(
      db.q.insertInto('sessions').values({
        id: s.id,
        agent_group_id: s.agent_group_id,
        messaging_group_id: s.messaging_group_id,
        thread_id: s.thread_id,
        session_mode: s.session_mode,
        status,
        runner_token_hash: null,
        next_wake_at: null,
        last_active: s.last_active,
        created_at: s.created_at,
        // An agent-to-agent link is not archived: a restored peer session answers nobody (a new one is made).
        peer_session_id: null,
      }),
    );
    db.run(db.q.deleteFrom('archived_sessions').where('id', '=', s.id));
    return status;
  });
}

export function listArchivedSessions(db: CentralDb): ArchivedSession[] {
  return db.all(db.q.selectFrom('archived_sessions').selectAll().orderBy('id'));
}
