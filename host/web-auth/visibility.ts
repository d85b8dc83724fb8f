/**
 * What a signed-in web user may see and answer.
 *
 * Invariants:
 * - A user sees a web chat when they pass its access gate: the chat's policy is public, or they may access one
 *   of the agent groups wired to it (owner, admin, member — host/access), or it is their own web DM (user_dms:
 *   where the host reaches them, e.g. with approval cards). Owners and global admins see every web chat,
 *   including one not created yet.
 * - The chat list of a user is exactly the existing web chats canSeeWebChat lets them see; their own DM comes
 *   first, marked `dm`.
 * - A question card is answered only in a web chat the user sees, and only by the user it was asked of or by
 *   someone with admin rights over the asking agent group (host/access/question-right.ts).
 */
import { canAccessAgentGroup } from '../access/access.js';
import { mayAnswerQuestion, questionChat, type AnswerRight } from '../access/question-right.js';
import { isGlobalAdmin, isOwner } from '../access/roles.js';
import type { CentralDb } from '../db/central-db.js';
import { findMessagingGroup } from '../db/messaging-groups.js';
import { getUser } from '../db/users.js';
import { listWiringsOf } from '../db/wirings.js';

const WEB = 'web';

export function canSeeWebChat(db: CentralDb, userId: string, chat: string): boolean {
  if (isOwner(db, userId) || isGlobalAdmin(db, userId)) return true;
  const mg = findMessagingGroup(db, WEB, chat);
  if (!mg) return false;
  if (mg.unknown_sender_policy === 'public') return true;
  if (listWiringsOf(db, mg.id).some((w) => canAccessAgentGroup(db, userId, w.agent_group_id).allowed))
    return true;
  return (
    db.first(
      db.q
        .selectFrom('user_dms')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('messaging_group_id', '=', mg.id),
    ) !== undefined
  );
}

export interface VisibleChat {
  id: string;
  name: string | null;
  kind: 'chat' | 'dm';
}

/** The web chats a user may open, DM first, then by name. Bounded: at most `limit` chats. */
export function visibleWebChats(db: CentralDb, userId: string, limit = 200): VisibleChat[] {
  const dm = db.first(
    db.q
      .selectFrom('user_dms')
      .innerJoin('messaging_groups', 'messaging_groups.id', 'user_dms.messaging_group_id')
      .select(['messaging_groups.platform_id', 'messaging_groups.name'])
      .where('user_dms.user_id', '=', userId)
      .where('messaging_groups.channel_type', '=', WEB),
  );
  const chats = db
    .all(
      db.q
        .selectFrom('messaging_groups')
        .select(['platform_id', 'name'])
        .where('channel_type', '=', WEB)
        .orderBy('name')
        .orderBy('platform_id')
        .limit(limit * 4),
    )
    .filter((c) => c.platform_id !== dm?.platform_id && canSeeWebChat(db, userId, c.platform_id))
    .map((c): VisibleChat => ({ id: c.platform_id, name: c.name, kind: 'chat' }));
  const own: VisibleChat[] = dm ? [{ id: dm.platform_id, name: dm.name, kind: 'dm' }] : [];
  return [...own, ...chats].slice(0, limit);
}

/** How a web user is named in the chat: their display name, else the handle of their id. */
export function webUserName(db: CentralDb, userId: string): string {
  return getUser(db, userId)?.display_name ?? userId.slice(userId.indexOf(':') + 1);
}

/** A web user may answer a card asked in a web chat they see, when the card is theirs to answer (host/access). */
export function mayAnswerInWeb(db: CentralDb, q: { questionId: string; userId: string }): AnswerRight {
  const chat = questionChat(db, q.questionId);
  if (chat === null) return 'no_such_question';
  if (!canSeeWebChat(db, q.userId, chat)) return 'not_yours';
  return mayAnswerQuestion(db, { ...q, channelType: WEB });
}
