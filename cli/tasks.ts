/**
 * `nanoclaw tasks list | pause | resume | cancel | run-now`: the scheduled tasks of sessions (rows of kind 'task' in
 * each session's inbound.db; a task id names a series, see host/delivery/system-actions.ts).
 *
 * Invariants: pause, resume and cancel change the rows exactly as the runner's own requests do — through
 * applySystemAction, not a copy of it; run-now moves a pending task's next occurrence to now. After each change
 * the session's next wake is recomputed, and when work is due now the running host is asked to wake the session
 * (requestWake; its sweep takes the request on its next tick).
 */
import fs from 'node:fs';
import type { CentralDb } from '../host/db/central-db.js';
import { applySystemAction } from '../host/delivery/system-actions.js';
import { hasDueWork, nextDueAt } from '../host/session/inbound-writer.js';
import { dataLayout } from '../host/session/layout.js';
import { SessionDbs, type SessionHandle } from '../host/session/session-dbs.js';
import { listSessions, setNextWake } from '../host/session/session-store.js';
import { requestWake } from '../host/sweep/wake-requests.js';
import type { TaskAction } from '../protocol/messages.js';
import { isoNow } from '../protocol/session-db.js';
import { actionOf, argsOf, COMMON_OPTIONS, dataDirOf, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { columns, parseOutput, render, renderResult, type Row, type View } from './output.js';

const HELP = `Usage: nanoclaw tasks list [--session ID] [--all] [-o table|json|yaml] [--data-dir DIR]
       nanoclaw tasks pause|resume|cancel|run-now <task-id> [--session ID] [-o ...] [--data-dir DIR]

Scheduled tasks agents created (schedule_task), per session. A task id names the whole series of a recurring
task. "list" shows the pending and paused ones (--all: also completed and failed occurrences) of one session
or of every active session. "pause" stops a pending task from running, "resume" lets a paused one run again,
"cancel" ends it (a recurring task stops recurring), "run-now" makes its next occurrence due now and asks the
running host to wake the session (the host's sweep picks the request up within its interval). Without
--session, the task is looked up in every active session.

Options:
  -o table|json|yaml  output format (default table)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)
  --session ID        the session (see "nanoclaw sessions")
  --all               list: include completed and failed occurrences
`;

const ACTIONS = ['list', 'pause', 'resume', 'cancel', 'run-now'] as const;
const LIVE = ['pending', 'paused'] as const;
const NO_ROUTING = { channelType: null, platformId: null, threadId: null };

interface TaskRow {
  id: string;
  series_id: string | null;
  status: string;
  process_after: string | null;
  recurrence: string | null;
  content: string;
}

function tasksOf(handle: SessionHandle, all: boolean): TaskRow[] {
  if (!fs.existsSync(handle.paths.inboundDb)) return [];
  const inbound = handle.inbound();
  let q = inbound.q
    .selectFrom('messages_in')
    .select(['id', 'series_id', 'status', 'process_after', 'recurrence', 'content'])
    .where('kind', '=', 'task');
  if (!all) q = q.where('status', 'in', LIVE);
  return inbound.all(q.orderBy('seq'));
}

function promptOf(content: string): string {
  try {
    const prompt = (JSON.parse(content) as { prompt?: unknown }).prompt;
    return typeof prompt === 'string' ? prompt : '';
  } catch {
    return '';
  }
}

function tasksView(rows: { sessionId: string; task: TaskRow }[]): View {
  return {
    columns: columns(
      ['task', 'TASK'],
      ['occurrence', 'OCCURRENCE'],
      ['session', 'SESSION'],
      ['status', 'STATUS'],
      ['processAfter', 'DUE'],
      ['recurrence', 'RECURRENCE'],
      ['prompt', 'PROMPT'],
    ),
    rows: rows.map(({ sessionId, task: t }): Row => ({
      task: t.series_id ?? t.id,
      occurrence: t.id,
      session: sessionId,
      status: t.status,
      processAfter: t.process_after,
      recurrence: t.recurrence,
      prompt: promptOf(t.content).slice(0, 80),
    })),
  };
}

/** The sessions to look in: the one named, or every active one. */
function sessionsToSearch(db: CentralDb, dbs: SessionDbs, sessionId: string | undefined): SessionHandle[] {
  if (sessionId === undefined) return listSessions(db, { includeClosed: false }).map((s) => dbs.of(s));
  const handle = dbs.get(sessionId);
  if (!handle) throw new UsageError(`tasks: --session: no session "${sessionId}" (see "nanoclaw sessions")`);
  return [handle];
}

/** The session holding a live occurrence of the task; an error naming the task when there is none or several. */
function sessionOfTask(handles: SessionHandle[], taskId: string): { handle: SessionHandle; rows: TaskRow[] } {
  const found = handles
    .map((handle) => ({
      handle,
      rows: tasksOf(handle, false).filter((t) => (t.series_id ?? t.id) === taskId),
    }))
    .filter((f) => f.rows.length > 0);
  if (found.length === 0) throw new Error(`tasks: no pending or paused task "${taskId}"`);
  if (found.length > 1)
    throw new UsageError(
      `tasks: task "${taskId}" is in several sessions (${found.map((f) => f.handle.session.id).join(', ')}); give --session`,
    );
  return found[0]!;
}

function change(
  db: CentralDb,
  handle: SessionHandle,
  rows: TaskRow[],
  action: string,
  taskId: string,
): number {
  const inbound = handle.inbound();
  const now = isoNow();
  let system: TaskAction;
  if (action === 'run-now') {
    if (!rows.some((r) => r.status === 'pending'))
      throw new Error(`tasks run-now: task "${taskId}" is paused; resume it first`);
    system = { action: 'update_task', taskId, processAfter: now };
  } else system = { action: `${action as 'pause' | 'resume' | 'cancel'}_task`, taskId };
  const changed = applySystemAction(inbound, null, system, NO_ROUTING, process.env.TZ);
  setNextWake(db, handle.session.id, nextDueAt(inbound, now));
  if (hasDueWork(inbound, now)) requestWake(db, handle.session.id, `tasks ${action} ${taskId}`);
  return changed;
}

export async function tasksCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON_OPTIONS, session: { type: 'string' }, all: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const action = actionOf('tasks', positionals, ACTIONS, 'list');
  const verb = `tasks ${action}`;
  const format = parseOutput(values.output, verb);
  const dataDir = dataDirOf(values);
  const text = await withCentralDb(dataDir, (db) => {
    const dbs = new SessionDbs(db, dataLayout(dataDir));
    try {
      if (action === 'list') {
        argsOf(verb, positionals, []);
        const handles = sessionsToSearch(db, dbs, values.session);
        const rows = handles.flatMap((h) =>
          tasksOf(h, values.all === true).map((task) => ({ sessionId: h.session.id, task })),
        );
        return render(format, tasksView(rows));
      }
      const [taskId] = argsOf(verb, positionals, ['task-id']) as [string];
      const { handle, rows } = sessionOfTask(sessionsToSearch(db, dbs, values.session), taskId);
      const n = change(db, handle, rows, action, taskId);
      const done = { pause: 'paused', resume: 'resumed', cancel: 'cancelled', 'run-now': 'due now' }[action];
      return renderResult(format, `task ${taskId} of session ${handle.session.id}: ${done}`, {
        action,
        task: taskId,
        session: handle.session.id,
        rows: n,
      });
    } finally {
      dbs.closeAll();
    }
  });
  process.stdout.write(text);
  return 0;
}
