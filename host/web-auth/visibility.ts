/**
 * What a signed-in web user may see and answer.
 *
 * Invariants:
 * - A user sees a web chat when they pass its access gate: the chat's policy is public, or they may access one
 *   of the agent groups wired to it (owner, admin, member — host/access). Owners and global admins see every
 *   web chat, including one not created yet.
 * - A question card is answered only in a web chat the user sees, and only by the user it was asked of (the
 *   sender of the message the question replies to) or by someone with admin rights over the asking agent group.
 */
import { canAccessAgentGroup } from '../access/access.js';
import { hasAdminPrivilege, isGlobalAdmin, isOwner } from '../access/roles.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup } from '../db/messaging-groups.js';
import { listWiringsOf } from '../db/wirings.js';
import type { SessionDbs } from '../session/session-dbs.js';
import { getSession } from '../session/session-store.js';

const WEB = 'web';

export function canSeeWebChat(db: CentralDb, userId: string, chat: string): boolean {
  if (isOwner(db, userId) || isGlobalAdmin(db, userId)) return true;
  const mg = findMessagingGroup(db, WEB, chat);
  if (!mg) return false;
  if (mg.unknown_sender_policy === 'public') return true;
  return listWiringsOf(db, mg.id).some((w) => canAccessAgentGroup(db, userId, w.agent_group_id).allowed);
}

export type AnswerRight = 'allowed' | 'no_such_question' | 'not_yours';

/**
 * `inReplyTo` is the inbound message id the card was sent in reply to, as the web adapter saw it go out (null when
 * unknown: the agent asked on its own, or the card went out before this host process started).
 */
export function mayAnswer(
  db: CentralDb,
  dbs: SessionDbs,
  q: { questionId: string; userId: string; inReplyTo: string | null },
): AnswerRight {
  const row = db.first(
    db.q.selectFrom('pending_questions').selectAll().where('question_id', '=', q.questionId),
  );
  const session = row && getSession(db, row.session_id);
  if (!row || !session) return 'no_such_question';
  if (row.channel_type !== WEB || !canSeeWebChat(db, q.userId, row.platform_id)) return 'not_yours';
  if (hasAdminPrivilege(db, q.userId, session.agent_group_id)) return 'allowed';
  if (q.inReplyTo === null) return 'not_yours';
  return senderOf(dbs, row.session_id, q.inReplyTo) === q.userId ? 'allowed' : 'not_yours';
}

/** The sender of an inbound message of the session (inbound.db is written by the host only). */
function senderOf(dbs: SessionDbs, sessionId: string, messageInId: string): string | null {
  const inbound = dbs.get(sessionId)?.inbound();
  const row = inbound?.first(
    inbound.q.selectFrom('messages_in').select('content').where('id', '=', messageInId),
  );
  if (!row) return null;
  const content = JSON.parse(row.content) as { sender?: unknown };
  return typeof content.sender === 'string' ? content.sender : null;
}
