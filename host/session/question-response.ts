/** A click on a question card → a `question_response` row in the asking session's inbound.db. */
import type { SystemInContent } from '../../protocol/messages.js';
import type { CentralDb } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import type { SessionManager } from './session-manager.js';

export async function answerQuestion(
  db: CentralDb,
  sessions: SessionManager,
  a: { questionId: string; value: string; userId: string | null },
): Promise<boolean> {
  const q = db.first(
    db.q.selectFrom('pending_questions').selectAll().where('question_id', '=', a.questionId),
  );
  if (!q) return false;
  const options = JSON.parse(q.options) as { value: string }[];
  if (!options.some((o) => o.value === a.value)) return false;
  const session = sessions.session(q.session_id);
  if (!session) return false;
  const content: SystemInContent = {
    type: 'question_response',
    questionId: a.questionId,
    value: a.value,
    userId: a.userId,
  };
  await sessions.write(session, { id: newId('answer'), kind: 'system', content, trigger: false }, true);
  db.run(db.q.deleteFrom('pending_questions').where('question_id', '=', a.questionId));
  return true;
}
