/**
 * `nanoclaw approvals list`: unknown senders held for an approval (pending_sender_approvals), with their status.
 */
import { listSenderApprovals } from '../host/db/admin-views.js';
import { SENDER_APPROVAL_STATUSES } from '../host/db/schema.js';
import { actionOf, argsOf, COMMON_OPTIONS, dataDirOf, positiveInt, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { parseOutput, render } from './output.js';
import { approvalsView } from './views.js';

const HELP = `Usage: nanoclaw approvals list [--status STATUS|all] [--limit N] [-o table|json|yaml] [--data-dir DIR]

Unknown senders in chats with the request_approval policy: their first message is held and an approval card
goes to an approver's DM. "list" shows the pending ones (--status: ${SENDER_APPROVAL_STATUSES.join(', ')} or all),
newest first, with who the card went to and when it expires.

Options:
  -o table|json|yaml  output format (default table)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)
  --status STATUS     list: which approvals (default pending)
  --limit N           list: at most N (default 50)
`;

type Status = (typeof SENDER_APPROVAL_STATUSES)[number];

export async function approvalsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON_OPTIONS, status: { type: 'string' }, limit: { type: 'string' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const action = actionOf('approvals', positionals, ['list'], 'list');
  const verb = `approvals ${action}`;
  argsOf(verb, positionals, []);
  const format = parseOutput(values.output, verb);
  const status = values.status ?? 'pending';
  if (status !== 'all' && !(SENDER_APPROVAL_STATUSES as readonly string[]).includes(status))
    throw new UsageError(
      `${verb}: --status must be one of ${SENDER_APPROVAL_STATUSES.join(', ')}, all — not "${status}"`,
    );
  const limit = positiveInt(verb, 'limit', values.limit, 50);
  const rows = await withCentralDb(dataDirOf(values), (db) =>
    listSenderApprovals(db, { ...(status === 'all' ? {} : { status: status as Status }), limit }),
  );
  process.stdout.write(render(format, approvalsView(rows)));
  return 0;
}
