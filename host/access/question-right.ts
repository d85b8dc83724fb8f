/**
 * Who may answer a question card, on any channel.
 *
 * Invariant: a click answers only when it comes from the channel the card was sent to, and the clicker is the
 * user the card was asked of (recorded with the card: the sender of the message it answers) or has admin rights
 * over the asking agent group. The clicker is the platform's verified user id, never a value carried in the card.
 */
import type { CentralDb } from '../db/central-db.js';
import { getSession } from '../session/session-store.js';
import { hasAdminPrivilege } from './roles.js';

export type AnswerRight = 'allowed' | 'no_such_question' | 'not_yours';

export function mayAnswerQuestion(
  db: CentralDb,
  q: { questionId: string; userId: string; channelType: string },
): AnswerRight {
  const row = db.first(
    db.q.selectFrom('pending_questions').selectAll().where('question_id', '=', q.questionId),
  );
  const session = row && getSession(db, row.session_id);
  if (!row || !session) return 'no_such_question';
  if (row.channel_type !== q.channelType) return 'not_yours';
  if (hasAdminPrivilege(db, q.userId, session.agent_group_id)) return 'allowed';
  return row.asked_of !== null && row.asked_of === q.userId ? 'allowed' : 'not_yours';
}

/** The chat a question card was sent to (for channel-specific visibility checks such as the web chat's). */
export function questionChat(db: CentralDb, questionId: string): string | null {
  return (
    db.first(db.q.selectFrom('pending_questions').select('platform_id').where('question_id', '=', questionId))
      ?.platform_id ?? null
  );
}
