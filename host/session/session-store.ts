/**
 * Session rows in the central DB. One active session per (agent group, chat, thread) for shared and per-thread
 * sessions, one per agent group for agent-shared ones, one per (agent group, asking session) for agent-to-agent
 * (peer) sessions; a session owns one directory and at most one runner. A peer session has no chat and is never
 * found by a chat's key.
 */
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import type { Session } from '../db/schema.js';
import type { SessionMode } from '../../protocol/vocabulary.js';

export interface SessionKey {
  agentGroupId: string;
  messagingGroupId: string | null;
  threadId: string | null;
  mode: SessionMode;
}

export function getSession(db: CentralDb, id: string): Session | undefined {
  return db.first(db.q.selectFrom('sessions').selectAll().where('id', '=', id));
}

export function findActiveSession(db: CentralDb, key: SessionKey): Session | undefined {
  let q = db.q
    .selectFrom('sessions')
    .selectAll()
    .where('agent_group_id', '=', key.agentGroupId)
    .where('status', '=', 'active')
    .where('peer_session_id', 'is', null);
  if (key.mode === 'agent-shared') {
    q = q.where('session_mode', '=', 'agent-shared');
  } else {
    q = q.where('session_mode', '!=', 'agent-shared').where('messaging_group_id', '=', key.messagingGroupId);
    const thread = key.mode === 'per-thread' ? key.threadId : null;
    q = thread === null ? q.where('thread_id', 'is', null) : q.where('thread_id', '=', thread);
  }
  return db.first(q.orderBy('created_at', 'desc').limit(1));
}

/** The active session for the key, created if there is none. Returns whether it was created. */
export function resolveSession(db: CentralDb, key: SessionKey): { session: Session; created: boolean } {
  return db.tx(() => {
    const existing = findActiveSession(db, key);
    if (existing) return { session: existing, created: false };
    const now = nowIso();
    const id = newId('sess');
    db.run(
      db.q.insertInto('sessions').values({
        id,
        agent_group_id: key.agentGroupId,
        messaging_group_id: key.messagingGroupId,
        thread_id: key.mode === 'per-thread' ? key.threadId : null,
        session_mode: key.mode,
        status: 'active',
        runner_token_hash: null,
        next_wake_at: null,
        last_active: now,
        created_at: now,
        peer_session_id: null,
      }),
    );
    return { session: getSession(db, id)!, created: true };
  });
}

/**
 * The active session of `agentGroupId` for messages from the session `peerSessionId`, created if there is none.
 * It has no chat: its reply address is the asking agent (session-manager.ts), and what it says goes back to the
 * asking session.
 */
export function resolvePeerSession(
  db: CentralDb,
  agentGroupId: string,
  peerSessionId: string,
): { session: Session; created: boolean } {
  return db.tx(() => {
    const existing = db.first(
      db.q
        .selectFrom('sessions')
        .selectAll()
        .where('agent_group_id', '=', agentGroupId)
        .where('peer_session_id', '=', peerSessionId)
        .where('status', '=', 'active')
        .orderBy('created_at', 'desc')
        .limit(1),
    );
    if (existing) return { session: existing, created: false };
    const now = nowIso();
    const id = newId('sess');
    db.run(
      db.q.insertInto('sessions').values({
        id,
        agent_group_id: agentGroupId,
        messaging_group_id: null,
        thread_id: null,
        session_mode: 'shared',
        status: 'active',
        runner_token_hash: null,
        next_wake_at: null,
        last_active: now,
        created_at: now,
        peer_session_id: peerSessionId,
      }),
    );
    return { session: getSession(db, id)!, created: true };
  });
}

export function listActiveSessions(db: CentralDb): Session[] {
  return db.all(db.q.selectFrom('sessions').selectAll().where('status', '=', 'active'));
}

/** Sessions, most recently active first; closed ones only when asked. */
export function listSessions(db: CentralDb, opts: { includeClosed: boolean }): Session[] {
  let q = db.q.selectFrom('sessions').selectAll();
  if (!opts.includeClosed) q = q.where('status', '=', 'active');
  return db.all(q.orderBy('last_active', 'desc').orderBy('id'));
}

export function touchSession(db: CentralDb, id: string, at = nowIso()): void {
  db.run(db.q.updateTable('sessions').set({ last_active: at }).where('id', '=', id));
}

export function setRunnerTokenHash(db: CentralDb, id: string, hash: string | null): void {
  db.run(db.q.updateTable('sessions').set({ runner_token_hash: hash }).where('id', '=', id));
}

/** Ids of sessions holding a runner token hash (any status). */
export function sessionsWithRunnerToken(db: CentralDb): string[] {
  return db
    .all(db.q.selectFrom('sessions').select('id').where('runner_token_hash', 'is not', null))
    .map((r) => r.id);
}

export function findSessionByTokenHash(db: CentralDb, hash: string): Session | undefined {
  return db.first(db.q.selectFrom('sessions').selectAll().where('runner_token_hash', '=', hash));
}

/** Records the earliest future time a session has work due (null = nothing scheduled). */
export function setNextWake(db: CentralDb, id: string, at: string | null): void {
  db.run(db.q.updateTable('sessions').set({ next_wake_at: at }).where('id', '=', id));
}

export function sessionsDueBy(db: CentralDb, at: string): Session[] {
  return db.all(
    db.q.selectFrom('sessions').selectAll().where('status', '=', 'active').where('next_wake_at', '<=', at),
  );
}

export function earliestWake(db: CentralDb): string | null {
  const row = db.first(
    db.q
      .selectFrom('sessions')
      .select((eb) => eb.fn.min('next_wake_at').as('at'))
      .where('status', '=', 'active'),
  );
  return row?.at ?? null;
}
