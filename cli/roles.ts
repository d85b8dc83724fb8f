/**
 * `nanoclaw roles list | grant | revoke | export`: owner and admin grants. grant/revoke write central-DB rows (source
 * 'runtime') or, in Kubernetes mode, UserRole objects; export prints the runtime grants as UserRole manifests.
 */
import { listMembers } from '../host/access/members.js';
import { listGrants } from '../host/access/roles.js';
import { actionOf, argsOf, COMMON_OPTIONS, dataDirOf, withCentralDb } from './admin-args.js';
import { parse, UsageError } from './args.js';
import { changeGrant } from './grant-ops.js';
import { KUBE_HELP, KUBE_OPTIONS } from './kube-grants.js';
import { parseOutput, render, renderObjects } from './output.js';
import { exportManifests } from './user-role-manifest.js';
import { grantsView } from './views.js';

const HELP = `Usage: nanoclaw roles list [--user USER] [--agent-group ID] [-o table|json|yaml] [--data-dir DIR]
       nanoclaw roles grant <user> owner|admin [--agent-group ID] [--display-name NAME] [options]
       nanoclaw roles revoke <user> owner|admin [--agent-group ID] [options]
       nanoclaw roles export [--namespace NS] [-o yaml|json] [--data-dir DIR]

Owner and admin grants. <user> is <channel>:<handle> (telegram:12345, slack:T1:U2, web:alice). An owner is
global (it cannot be scoped to an agent group); an admin is global, or of one agent group with --agent-group.
Members (who may talk to an agent group) are "nanoclaw members". "list" shows every grant and its source: crd
(a UserRole object or manifest) or runtime (pairing, an approval, this CLI). "revoke" removes a runtime grant;
one from a UserRole is removed where that object is managed.

"export" prints the runtime grants (paired owners, approved members, grants made here) as UserRole manifests,
multi-document YAML, so a GitOps repository can adopt them: once such a UserRole is applied, the operator takes
the grant over (its row becomes source crd) and export no longer lists it. Global grants go to --namespace
(the install's own; default NANOCLAW_NAMESPACE, else default); scoped ones to their agent group's namespace.

Options:
  -o table|json|yaml  output format (default table; export: yaml)
  --data-dir DIR      the host's data dir (default NANOCLAW_DATA_DIR or ./data)
  --agent-group ID    scope of an admin grant (an agent group id; on Kubernetes the AgentGroup name)
  --display-name NAME the user's display name, stored with the grant
  --user USER         list: only this user's grants

${KUBE_HELP}
`;

const ROLE_ARGS = ['owner', 'admin'] as const;

export async function rolesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON_OPTIONS,
      ...KUBE_OPTIONS,
      'agent-group': { type: 'string' },
      'display-name': { type: 'string' },
      user: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const action = actionOf('roles', positionals, ['list', 'grant', 'revoke', 'export'], 'list');
  if (action === 'list') {
    argsOf('roles list', positionals, []);
    const format = parseOutput(values.output, 'roles');
    const grants = await withCentralDb(dataDirOf(values), (db) => listGrants(db));
    const shown = grants.filter(
      (g) =>
        (values.user === undefined || g.user_id === values.user) &&
        (values['agent-group'] === undefined || g.agent_group_id === values['agent-group']),
    );
    process.stdout.write(render(format, grantsView(shown)));
    return 0;
  }
  if (action === 'export') {
    argsOf('roles export', positionals, []);
    const format = parseOutput(values.output ?? 'yaml', 'roles export');
    if (format === 'table') throw new UsageError('roles export: -o must be yaml or json');
    const namespace = values.namespace ?? process.env.NANOCLAW_NAMESPACE ?? 'default';
    const manifests = await withCentralDb(dataDirOf(values), (db) =>
      exportManifests(namespace, listGrants(db), listMembers(db)),
    );
    if (manifests.length === 0) process.stderr.write('nanoclaw roles export: no runtime grants\n');
    process.stdout.write(renderObjects(format, manifests));
    return 0;
  }
  const verb = `roles ${action}`;
  const [user, role] = argsOf(verb, positionals, ['user', 'role']) as [string, string];
  if (!(ROLE_ARGS as readonly string[]).includes(role))
    throw new UsageError(
      `${verb}: <role> must be owner or admin, not "${role}" (members: "nanoclaw members add")`,
    );
  return changeGrant(
    values,
    parseOutput(values.output, verb),
    {
      verb,
      user,
      role: role as (typeof ROLE_ARGS)[number],
      agentGroupId: values['agent-group'] ?? null,
      ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
    },
    action === 'grant',
  );
}
