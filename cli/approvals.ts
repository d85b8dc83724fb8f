/**
 * `nanoclaw approvals list | approve | deny`: unknown senders held for an approval (pending_sender_approvals).
 * approve/deny decide through host/approvals (decideSenderApproval) exactly as a card click does; the running host
 * replays an approved sender's held message on its next approvals tick.
 */
import { decideSenderApproval } from '../host/approvals/sender-approval-decision.js';
import { listSenderApprovals } from '../host/db/admin-views.js';
import { SENDER_APPROVAL_STATUSES } from '../host/db/schema.js';
import { actionOf, argsOf, COMMON_OPTIONS, dataDirOf, positiveInt, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { parseOutput, render, renderResult } from './output.js';
import { approvalsView } from './views.js';

const HELP = `Usage: nanoclaw approvals list [--status STATUS|all] [--limit N] [-o table|json|yaml] [--data-dir DIR]
       nanoclaw approvals approve|deny <id> [--as USER] [-o table|json|yaml] [--data-dir DIR]

Unknown senders in chats with the request_approval policy: their first message is held and an approval card
goes to an approver's DM. "list" shows the pending ones (--status: ${SENDER_APPROVAL_STATUSES.join(', ')} or all),
newest first, with who the card went to and when it expires. "approve" makes the sender a member of the
agent group (a runtime grant) and the running host replays the held message once; "deny" is remembered for
that chat: later messages from the sender are dropped without a new card. Only a pending approval can be
decided; the decision is recorded as made by --as (default "cli"), like a click on the card.

Options:
  -o table|json|yaml  output format (default table)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)
  --status STATUS     list: which approvals (default pending)
  --limit N           list: at most N (default 50)
  --as USER           approve/deny: who decided, recorded with the decision (default cli)
`;

type Status = (typeof SENDER_APPROVAL_STATUSES)[number];

export async function approvalsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON_OPTIONS, status: { type: 'string' }, limit: { type: 'string' }, as: { type: 'string' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const action = actionOf('approvals', positionals, ['list', 'approve', 'deny'], 'list');
  const verb = `approvals ${action}`;
  const format = parseOutput(values.output, verb);
  if (action !== 'list') {
    const [id] = argsOf(verb, positionals, ['id']) as [string];
    const by = values.as ?? 'cli';
    const outcome = await withCentralDb(dataDirOf(values), (db) =>
      decideSenderApproval(db, { approvalId: id, decision: action, by }),
    );
    if (outcome.kind === 'no_such_approval') {
      process.stderr.write(`nanoclaw ${verb}: no approval "${id}" (see "nanoclaw approvals list")\n`);
      return 1;
    }
    const a = outcome.approval;
    if (outcome.kind === 'not_pending') {
      process.stderr.write(
        `nanoclaw ${verb}: approval ${id} is already ${a.status}${a.decided_by ? ` (by ${a.decided_by})` : ''}\n`,
      );
      return 1;
    }
    const sentence =
      action === 'approve'
        ? `approved ${a.sender_id}: now a member of ${a.agent_group_id}; the running host replays the held message`
        : `denied ${a.sender_id} in chat ${a.messaging_group_id}: later messages are dropped`;
    process.stdout.write(
      renderResult(format, sentence, {
        id,
        status: a.status,
        sender: a.sender_id,
        agentGroup: a.agent_group_id,
        decidedBy: by,
      }),
    );
    return 0;
  }
  argsOf(verb, positionals, []);
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
