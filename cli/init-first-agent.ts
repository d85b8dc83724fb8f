/**
 * `nanoclaw init-first-agent`: gives a person their own agent in a private chat in one command — the user (owner
 * when the host has none), the `dm-with-<name>` agent group and folder, the DM (opened through the channel's bot
 * where the platform needs it), its wiring and the membership — and has the agent greet them: a welcome written
 * into the DM session, which the running host's sweep wakes (or the next host start-up does).
 *
 * Idempotent: a second run reuses everything and writes nothing; the welcome is written once per session unless
 * --resend-welcome asks for another (--no-welcome skips it). Works against the data dir of a running or stopped
 * host; on a cluster run it with `kubectl exec` in the host container (it needs the data dir and the bot tokens).
 */
import pino, { type Logger } from 'pino';
import { loadConfig, type HostConfig } from '../host/config.js';
import { InputError } from '../host/errors.js';
import { openCentralDb } from '../host/db/central-db.js';
import { parseUserId } from '../host/db/users.js';
import type { DmSource } from '../host/onboarding/first-agent-dm.js';
import {
  ArgumentError,
  FIRST_AGENT_ROLES,
  planFirstAgent,
  type FirstAgentPlan,
} from '../host/onboarding/first-agent-plan.js';
import { initFirstAgent, type WelcomeMode } from '../host/onboarding/init-first-agent.js';
import type { Step } from '../host/onboarding/steps.js';
import { dataLayout } from '../host/session/layout.js';
import { parse, UsageError } from './args.js';
import { withDmAdapter } from './init-first-agent/dm-adapter.js';
import { dryRunObjects, initFirstAgentOnKubernetes } from './init-first-agent/kubernetes.js';
import { formatSteps } from './init-first-agent/output.js';
import { KUBE_OPTIONS, kubeModeOf } from './kube-grants.js';
import { parseOutput, renderObjects } from './output.js';

const HELP = `Usage: nanoclaw init-first-agent --channel <channel> --user <platform user id> --name <display name>
         [--agent-name <name>] [--platform-id <dm chat id>] [--role ${FIRST_AGENT_ROLES.join('|')}]
         [--provider claude|mock] [--welcome <text> | --no-welcome | --resend-welcome]
         [--data-dir DIR] [-o table|json|yaml]
         [--kubernetes [--namespace NS] [--dry-run] [--timeout-seconds N]]

Sets up a person's first agent in a private chat and has it greet them:
  - the user <platform>:<id> (telegram:12345 for --channel telegram or a named bot telegram-support);
  - --role owner (default): owner when this host has no owner yet, otherwise membership only (it says so);
    admin: admin of the new agent group; member: membership only;
  - the agent group and folder dm-with-<name> (persona instructions; --agent-name, default Assistant;
    --provider, default claude, which runs the mock provider while the host has no ANTHROPIC_API_KEY);
  - their DM on <channel>: the chat id is the user id on Telegram; Discord and Slack open it through the bot
    (the channel's bot token must be set as for the host) unless --platform-id gives it;
  - the DM wired to the agent (every message, shared session) and the membership;
  - a welcome from the host into the DM session (--welcome replaces the text), which a running host wakes the
    agent for within NANOCLAW_SWEEP_INTERVAL_SECONDS; a host started later does it at start-up.

Running it again changes nothing: what exists is reused and the welcome is written once per session;
--resend-welcome writes another one, --no-welcome none. Prints what was created or reused.
Run it where the host's data dir is (on a cluster: kubectl exec into the host container).

Kubernetes mode (--kubernetes, or NANOCLAW_RUNTIME=kubernetes as in the host container): instead of rows, the
AgentGroup dm-with-<name>, the DM's MessagingGroup (dm-<channel>-<hash>; one already declared for that chat is
reused, and wired to the agent if it is not) and UserRoles (owner when the namespace has no owner UserRole;
admin when asked; always member) are created through the API server (KUBECONFIG, else the in-cluster service
account) with field manager nanoclaw-host and the label nanoclaw.dev/created-by=cli; existing objects are
left as they are. The welcome then waits up to --timeout-seconds (default 120) for the operator to project
them into the data dir's DB — so it needs the host's data dir: run it with kubectl exec in the host container,
or pass --no-welcome.
  --namespace NS   where the objects go (default NANOCLAW_NAMESPACE, else the kubeconfig's, else default)
  --dry-run        print the objects (-o yaml, the default here, or json) and write nothing; the owner
                   UserRole is printed as requested (a real run decides it from the namespace's UserRoles)
`;

/** Bad arguments, wherever they are found, are usage errors (exit 2) naming the argument. */
async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ArgumentError) throw new UsageError(`init-first-agent: ${err.message}`);
    if (err instanceof InputError)
      throw new UsageError(`init-first-agent: ${err.field}: ${err.message}`, { cause: err });
    throw err;
  }
}

function runEmbedded(
  dataDir: string,
  plan: FirstAgentPlan,
  dmSource: DmSource,
  welcome: WelcomeMode,
  log: Logger,
): Promise<Step[]> {
  const db = openCentralDb(dataLayout(dataDir).centralDb);
  return initFirstAgent(db, dataDir, plan, dmSource, welcome, log).finally(() => db.close());
}

/** The DM's chat id for a CR: given, or opened through the channel's bot (the user id itself on Telegram). */
function kubernetesDmId(config: HostConfig, plan: FirstAgentPlan, log: Logger): Promise<string> {
  if (plan.platformId !== null) return Promise.resolve(plan.platformId);
  const { handle } = parseUserId(plan.userId);
  return withDmAdapter(config, plan.channel, log, (a) =>
    a.openDM ? a.openDM(handle) : Promise.resolve(handle),
  );
}

export async function initFirstAgentCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    channel: { type: 'string' },
    user: { type: 'string' },
    name: { type: 'string' },
    'agent-name': { type: 'string' },
    'platform-id': { type: 'string' },
    welcome: { type: 'string' },
    'no-welcome': { type: 'boolean' },
    'resend-welcome': { type: 'boolean' },
    role: { type: 'string' },
    provider: { type: 'string' },
    'data-dir': { type: 'string' },
    'timeout-seconds': { type: 'string' },
    output: { type: 'string', short: 'o' },
    ...KUBE_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = parseOutput(values.output, 'init-first-agent');
  if (values['no-welcome'] && (values.welcome !== undefined || values['resend-welcome']))
    throw new UsageError(
      'init-first-agent: --no-welcome cannot be combined with --welcome or --resend-welcome',
    );
  const timeoutSeconds = Number(values['timeout-seconds'] ?? 120);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError('init-first-agent: --timeout-seconds must be a positive number of seconds');
  const kube = kubeModeOf(values);
  return asUsage(async () => {
    const plan = planFirstAgent({
      channel: values.channel ?? '',
      user: values.user ?? '',
      name: values.name ?? '',
      agentName: values['agent-name'],
      platformId: values['platform-id'],
      welcome: values.welcome,
      role: values.role,
      provider: values.provider,
    });
    const config = loadConfig({
      ...process.env,
      ...(values['data-dir'] !== undefined ? { NANOCLAW_DATA_DIR: values['data-dir'] } : {}),
    });
    const welcome: WelcomeMode = values['no-welcome'] ? 'skip' : values['resend-welcome'] ? 'resend' : 'once';
    const log = pino({ level: 'warn' }, pino.destination(2));
    if (kube?.dryRun) {
      const objects = dryRunObjects(kube, plan, await kubernetesDmId(config, plan, log));
      process.stdout.write(renderObjects(format === 'json' ? 'json' : 'yaml', objects));
      return 0;
    }
    const { platformId } = plan;
    const steps = kube
      ? await initFirstAgentOnKubernetes(kube, plan, await kubernetesDmId(config, plan, log), {
          dataDir: config.dataDir,
          welcome,
          timeoutMs: timeoutSeconds * 1000,
        })
      : platformId !== null
        ? await runEmbedded(config.dataDir, plan, { platformId }, welcome, log)
        : await withDmAdapter(config, plan.channel, log, (adapter) =>
            runEmbedded(config.dataDir, plan, { adapter }, welcome, log),
          );
    process.stdout.write(formatSteps(steps, format));
    return 0;
  });
}
