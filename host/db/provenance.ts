/**
 * Rows by provenance: the operator's view of the central DB. Rows projected from a custom resource (or from a
 * manifest file in the embedded mode) carry source 'crd' and the object's uid; these helpers find, claim and
 * delete exactly those rows and never delete a row with source 'runtime' — the one change to a runtime row is its
 * adoption by an object declaring the same grant (adoptRuntime*Row), which makes it that object's row.
 *
 * Deletion order matters for readability only (foreign keys cascade from agent/messaging groups anyway):
 * grants and wirings first, then chats, then agent groups.
 */
import type { CentralDb } from './central-db.js';
import type { AgentDestination, MessagingGroup, UserRole } from './schema.js';
import type { Role } from '../../protocol/vocabulary.js';

const PROJECTED_TABLES = [
  'user_roles',
  'agent_group_members',
  'messaging_group_agents',
  'agent_destinations',
  'messaging_groups',
  'agent_groups',
] as const;

/** Rows changed by this connection since it was opened (SQLite `total_changes()`). */
export function totalChanges(db: CentralDb): number {
  return (db.raw.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
}

/** Every uid that owns at least one 'crd' row. */
export function crdSourceUids(db: CentralDb): Set<string> {
  const uids = new Set<string>();
  for (const table of PROJECTED_TABLES) {
    const rows = db.all(
      db.q
        .selectFrom(table)
        .select('source_uid')
        .distinct()
        .where('source', '=', 'crd')
        .where('source_uid', 'is not', null),
    );
    for (const r of rows) if (r.source_uid) uids.add(r.source_uid);
  }
  return uids;
}

/** Deletes every 'crd' row owned by `uid`; returns how many rows went (cascades not counted). */
export function deleteCrdRows(db: CentralDb, uid: string): number {
  return db.tx(() => {
    let n = 0;
    for (const table of PROJECTED_TABLES) {
      n += db.run(db.q.deleteFrom(table).where('source', '=', 'crd').where('source_uid', '=', uid)).changes;
    }
    return n;
  });
}

export function crdMessagingGroupOf(db: CentralDb, uid: string): MessagingGroup | undefined {
  return db.first(
    db.q.selectFrom('messaging_groups').selectAll().where('source', '=', 'crd').where('source_uid', '=', uid),
  );
}

/** Every destination row pointing at one target (uses the target index), whatever its source. */
export function destinationsTo(
  db: CentralDb,
  targetType: 'channel' | 'agent',
  targetId: string,
): AgentDestination[] {
  return db.all(
    db.q
      .selectFrom('agent_destinations')
      .selectAll()
      .where('target_type', '=', targetType)
      .where('target_id', '=', targetId)
      .orderBy('agent_group_id'),
  );
}

export function deleteDestination(
  db: CentralDb,
  agentGroupId: string,
  targetType: 'channel' | 'agent',
  targetId: string,
): boolean {
  return (
    db.run(
      db.q
        .deleteFrom('agent_destinations')
        .where('agent_group_id', '=', agentGroupId)
        .where('target_type', '=', targetType)
        .where('target_id', '=', targetId),
    ).changes > 0
  );
}

export function crdRoleRowsOf(db: CentralDb, uid: string): UserRole[] {
  return db.all(
    db.q
      .selectFrom('user_roles')
      .selectAll()
      .where('source', '=', 'crd')
      .where('source_uid', '=', uid)
      .orderBy('id'),
  );
}

export interface MemberRowView {
  user_id: string;
  agent_group_id: string;
  source: 'crd' | 'runtime';
  source_uid: string | null;
  source_generation: number | null;
}

export function crdMemberRowsOf(db: CentralDb, uid: string): MemberRowView[] {
  return db.all(
    db.q
      .selectFrom('agent_group_members')
      .select(['user_id', 'agent_group_id', 'source', 'source_uid', 'source_generation'])
      .where('source', '=', 'crd')
      .where('source_uid', '=', uid),
  );
}

/** The grant row for (user, role, scope), whatever its source; NULL scope = global. */
export function findRoleRow(
  db: CentralDb,
  userId: string,
  role: Role,
  agentGroupId: string | null,
): UserRole | undefined {
  let q = db.q.selectFrom('user_roles').selectAll().where('user_id', '=', userId).where('role', '=', role);
  q =
    agentGroupId === null
      ? q.where('agent_group_id', 'is', null)
      : q.where('agent_group_id', '=', agentGroupId);
  return db.first(q);
}

export function findMemberRow(
  db: CentralDb,
  userId: string,
  agentGroupId: string,
): MemberRowView | undefined {
  return db.first(
    db.q
      .selectFrom('agent_group_members')
      .select(['user_id', 'agent_group_id', 'source', 'source_uid', 'source_generation'])
      .where('user_id', '=', userId)
      .where('agent_group_id', '=', agentGroupId),
  );
}

/** Re-owns a 'crd' grant row (object deleted and re-created, or a new generation). Never touches runtime rows. */
export function claimRoleRow(db: CentralDb, id: number, uid: string, generation: number | null): boolean {
  return (
    db.run(
      db.q
        .updateTable('user_roles')
        .set({ source_uid: uid, source_generation: generation })
        .where('id', '=', id)
        .where('source', '=', 'crd'),
    ).changes > 0
  );
}

export function claimMemberRow(
  db: CentralDb,
  userId: string,
  agentGroupId: string,
  uid: string,
  generation: number | null,
): boolean {
  return (
    db.run(
      db.q
        .updateTable('agent_group_members')
        .set({ source_uid: uid, source_generation: generation })
        .where('user_id', '=', userId)
        .where('agent_group_id', '=', agentGroupId)
        .where('source', '=', 'crd'),
    ).changes > 0
  );
}

/** A runtime grant row becomes the 'crd' row of `uid` (a UserRole declares the same grant). Never touches crd rows. */
export function adoptRuntimeRoleRow(db: CentralDb, id: number, uid: string, generation: number): boolean {
  return (
    db.run(
      db.q
        .updateTable('user_roles')
        .set({ source: 'crd', source_uid: uid, source_generation: generation })
        .where('id', '=', id)
        .where('source', '=', 'runtime'),
    ).changes > 0
  );
}

export function adoptRuntimeMemberRow(
  db: CentralDb,
  userId: string,
  agentGroupId: string,
  uid: string,
  generation: number,
): boolean {
  return (
    db.run(
      db.q
        .updateTable('agent_group_members')
        .set({ source: 'crd', source_uid: uid, source_generation: generation })
        .where('user_id', '=', userId)
        .where('agent_group_id', '=', agentGroupId)
        .where('source', '=', 'runtime'),
    ).changes > 0
  );
}

/** Deletes the 'crd' grant rows of `uid`, except the row `exceptId`. One statement. */
export function deleteCrdRolesOf(db: CentralDb, uid: string, exceptId?: number): number {
  let q = db.q.deleteFrom('user_roles').where('source', '=', 'crd').where('source_uid', '=', uid);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return db.run(q).changes;
}

/** Deletes the 'crd' membership rows of `uid`, except one (user, agent group). One statement. */
export function deleteCrdMembersOf(
  db: CentralDb,
  uid: string,
  except?: { userId: string; agentGroupId: string },
): number {
  let q = db.q.deleteFrom('agent_group_members').where('source', '=', 'crd').where('source_uid', '=', uid);
  if (except) {
    q = q.where((eb) =>
      eb.or([eb('user_id', '!=', except.userId), eb('agent_group_id', '!=', except.agentGroupId)]),
    );
  }
  return db.run(q).changes;
}

export function deleteRoleRow(db: CentralDb, id: number): boolean {
  return db.run(db.q.deleteFrom('user_roles').where('id', '=', id).where('source', '=', 'crd')).changes > 0;
}

/** Re-owns the 'crd' destinations that point at a chat (its MessagingGroup was deleted and re-created). */
export function claimChannelDestinations(
  db: CentralDb,
  messagingGroupId: string,
  uid: string,
  generation: number | null,
): number {
  return db.run(
    db.q
      .updateTable('agent_destinations')
      .set({ source_uid: uid, source_generation: generation })
      .where('source', '=', 'crd')
      .where('target_type', '=', 'channel')
      .where('target_id', '=', messagingGroupId)
      .where('source_uid', '!=', uid),
  ).changes;
}
