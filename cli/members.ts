/**
 * `nanoclaw members list | add | remove`: explicit membership of an agent group (who may talk to it). Rows with
 * source 'runtime', or in Kubernetes mode UserRole objects with role member.
 */
import { listMembers } from '../host/access/members.js';
import { actionOf, argsOf, COMMON_OPTIONS, dataDirOf, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { changeGrant } from './grant-ops.js';
import { KUBE_HELP, KUBE_OPTIONS } from './kube-grants.js';
import { parseOutput, render } from './output.js';
import { membersView } from './views.js';

const HELP = `Usage: nanoclaw members list [--agent-group ID] [-o table|json|yaml] [--data-dir DIR]
       nanoclaw members add <user> --agent-group ID [--display-name NAME] [options]
       nanoclaw members remove <user> --agent-group ID [options]

Explicit members of agent groups: people who may talk to the agent group's agent. <user> is
<channel>:<handle>. Owners and admins are members without a row; an approved unknown sender becomes a member
(source runtime). "remove" removes a runtime membership; one from a UserRole is removed where that object is
managed.

Options:
  -o table|json|yaml  output format (default table)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)
  --agent-group ID    the agent group (an agent group id; on Kubernetes the AgentGroup name)
  --display-name NAME the user's display name

${KUBE_HELP}
`;

export async function membersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON_OPTIONS,
      ...KUBE_OPTIONS,
      'agent-group': { type: 'string' },
      'display-name': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const action = actionOf('members', positionals, ['list', 'add', 'remove'], 'list');
  const verb = `members ${action}`;
  if (action === 'list') {
    argsOf(verb, positionals, []);
    const format = parseOutput(values.output, verb);
    const members = await withCentralDb(dataDirOf(values), (db) => listMembers(db, values['agent-group']));
    process.stdout.write(render(format, membersView(members)));
    return 0;
  }
  const [user] = argsOf(verb, positionals, ['user']) as [string];
  const agentGroupId = values['agent-group'];
  if (agentGroupId === undefined) throw new UsageError(`${verb}: --agent-group is required`);
  return changeGrant(
    values,
    parseOutput(values.output, verb),
    {
      verb,
      user,
      role: 'member',
      agentGroupId,
      ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
    },
    action === 'add',
  );
}
