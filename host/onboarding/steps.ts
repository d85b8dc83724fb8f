/** What `nanoclaw init-first-agent` reports: one line per thing it created, reused or granted. */

type StepAction = 'created' | 'reused' | 'updated' | 'granted' | 'unchanged' | 'written' | 'skipped';

export interface Step {
  /** What kind of thing: user, role, agent group, folder, DM, wiring, membership, session, welcome, a CR kind. */
  object: string;
  id: string;
  action: StepAction;
  detail: string;
}

/** A row is new when it was created at or after the command started (every row carries created_at). */
export function createdSince(row: { created_at: string }, startedAt: string): boolean {
  return row.created_at >= startedAt;
}
