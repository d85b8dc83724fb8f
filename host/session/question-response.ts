/**
 * Question cards: an agent's question is remembered when delivery sends its card (`recordQuestion`); a click on
 * one of its options becomes a `question_response` row in the asking session's inbound.db (`answerQuestion`).
 * Only an offered option answers (named by its value, or by its position among the options the card was sent
 * with), and a question is answered at most once.
 */
import type { SystemInContent } from '../../protocol/messages.js';
import type { CentralDb } from '../db/central-db.js';
import { nowIso } from '../db/central-db.js';
import { newId } from '../db/ids.js';
import type { SessionManager } from './session-manager.js';
import { getSession } from './session-store.js';

export interface AskedQuestion {
  questionId: string;
  sessionId: string;
  messageOutId: string;
  channelType: string;
  platformId: string;
  threadId: string | null;
  title: string;
  options: { label: string; value: string }[];
  /** The user the question is asked of: the sender of the message the card answers (null if none). */
  askedOf: string | null;
}

/** Remembers a question card being sent (a redelivered card keeps the first record). */
export function recordQuestion(db: CentralDb, q: AskedQuestion): void {
  db.run(
    db.q
      .insertInto('pending_questions')
      .values({
        question_id: q.questionId,
        session_id: q.sessionId,
        message_out_id: q.messageOutId,
        channel_type: q.channelType,
        platform_id: q.platformId,
        thread_id: q.threadId,
        title: q.title,
        options: JSON.stringify(q.options),
        created_at: nowIso(),
        asked_of: q.askedOf,
      })
      .onConflict((oc) => oc.column('question_id').doNothing()),
  );
}

export async function answerQuestion(
  db: CentralDb,
  sessions: SessionManager,
  a: { questionId: string; choice: { value: string } | { index: number }; userId: string | null },
): Promise<boolean> {
  const q = db.first(
    db.q.selectFrom('pending_questions').selectAll().where('question_id', '=', a.questionId),
  );
  if (!q) return false;
  const options = JSON.parse(q.options) as { value: string }[];
  const value = 'index' in a.choice ? options[a.choice.index]?.value : a.choice.value;
  if (value === undefined || !options.some((o) => o.value === value)) return false;
  const session = getSession(db, q.session_id);
  if (!session) return false;
  const content: SystemInContent = {
    type: 'question_response',
    questionId: a.questionId,
    value,
    userId: a.userId,
  };
  await sessions.write(session, { id: newId('answer'), kind: 'system', content, trigger: false }, true);
  db.run(db.q.deleteFrom('pending_questions').where('question_id', '=', a.questionId));
  return true;
}
