/**
 * What a signed-in web user may see and answer.
 *
 * Invariants:
 * - A user sees a web chat when they pass its access gate: the chat's policy is public, or they may access one
 *   of the agent groups wired to it (owner, admin, member — host/access). Owners and global admins see every
 *   web chat, including one not created yet.
 * - A question card is answered only in a web chat the user sees, and only by the user it was asked of or by
 *   someone with admin rights over the asking agent group (host/access/question-right.ts).
 */
import { canAccessAgentGroup } from '../access/access.js';
import { mayAnswerQuestion, questionChat, type AnswerRight } from '../access/question-right.js';
import { isGlobalAdmin, isOwner } from '../access/roles.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup } from '../db/messaging-groups.js';
import { listWiringsOf } from '../db/wirings.js';

const WEB = 'web';

export function canSeeWebChat(db: CentralDb, userId: string, chat: string): boolean {
  if (isOwner(db, userId) || isGlobalAdmin(db, userId)) return true;
  const mg = findMessagingGroup(db, WEB, chat);
  if (!mg) return false;
  if (mg.unknown_sender_policy === 'public') return true;
  return listWiringsOf(db, mg.id).some((w) => canAccessAgentGroup(db, userId, w.agent_group_id).allowed);
}

/** A web user may answer a card asked in a web chat they see, when the card is theirs to answer (host/access). */
export function mayAnswerInWeb(db: CentralDb, q: { questionId: string; userId: string }): AnswerRight {
  const chat = questionChat(db, q.questionId);
  if (chat === null) return 'no_such_question';
  if (!canSeeWebChat(db, q.userId, chat)) return 'not_yours';
  return mayAnswerQuestion(db, { ...q, channelType: WEB });
}
