/**
 * init-first-agent in Kubernetes mode: the AgentGroup, MessagingGroup and UserRoles are created through the API
 * server (manifests.ts), and the operator projects them into the central DB; the welcome is written once that
 * projection is there.
 *
 * Invariants:
 * - Objects are written with server-side apply under the host's field manager (`nanoclaw-host`, never forced),
 *   and only when they do not exist: an existing object is reused as it is, so a second run writes nothing and a
 *   GitOps tool's edits are kept. A MessagingGroup someone else declared for the same chat is reused; when it
 *   does not wire the agent yet, only that wiring (one entry of the `agents` list map) is applied to it.
 * - The owner grant is decided from the namespace's UserRoles (none with role owner → this person).
 * - The welcome waits — bounded, with an error saying what is missing — for the rows projected from exactly
 *   these objects (matched by uid), so it needs the host's data dir: run it in the host container.
 */
import fs from 'node:fs';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { CustomObjects, type KObject, type ObjectRef } from '../../kube/custom-objects.js';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import type { AgentGroup, MessagingGroup } from '../../host/db/schema.js';
import { decideRole, welcomeMessageId, type FirstAgentPlan } from '../../host/onboarding/first-agent-plan.js';
import type { WelcomeMode } from '../../host/onboarding/init-first-agent.js';
import type { Step } from '../../host/onboarding/steps.js';
import { writeWelcome } from '../../host/onboarding/welcome.js';
import { dataLayout } from '../../host/session/layout.js';
import { HOST_FIELD_MANAGER, type KubeMode } from '../kube-grants.js';
import { dmWiring, firstAgentManifests, type FirstAgentManifests } from './manifests.js';

const PLURAL = {
  AgentGroup: 'agentgroups',
  MessagingGroup: 'messaginggroups',
  UserRole: 'userroles',
} as const;
type Kind = keyof typeof PLURAL;

interface Manifest extends ObjectRef {
  kind: Kind;
}

class Objects extends CustomObjects {
  constructor(api: CustomObjectsApi) {
    super(api, { group: GROUP, version: VERSION, plurals: PLURAL, fieldManager: HOST_FIELD_MANAGER });
  }

  /** The object, created when it does not exist, with the step that reports it. */
  async ensureStep(m: Manifest, detail: string): Promise<{ obj: KObject; step: Step }> {
    const { obj, existed } = await this.ensure(m);
    const id = `${m.metadata.namespace}/${m.metadata.name}`;
    return { obj, step: { object: m.kind, id, action: existed ? 'reused' : 'created', detail } };
  }
}

/** The DM's MessagingGroup: one declared for this chat (wired to the agent if it is not yet), else ours. */
async function ensureDm(objects: Objects, m: FirstAgentManifests): Promise<{ obj: KObject; step: Step }> {
  const { channel, platformId } = m.messagingGroup.spec;
  const { namespace } = m.messagingGroup.metadata;
  const declared = (await objects.list('MessagingGroup', namespace)).find(
    (o) => o.spec.channel === channel && o.spec.platformId === platformId,
  );
  const detail = `${channel} chat ${platformId} → ${m.agentGroup.metadata.name}`;
  if (!declared) return objects.ensureStep(m.messagingGroup, detail);
  const id = `${namespace}/${declared.metadata.name}`;
  const agents = (declared.spec.agents ?? []) as { agentGroup: string }[];
  if (agents.some((a) => a.agentGroup === m.agentGroup.metadata.name))
    return { obj: declared, step: { object: 'MessagingGroup', id, action: 'reused', detail } };
  const obj = await objects.apply({
    apiVersion: m.messagingGroup.apiVersion,
    kind: 'MessagingGroup',
    metadata: { name: declared.metadata.name, namespace },
    spec: { channel, platformId, agents: [dmWiring(m.agentGroup.metadata.name)] },
  } as Manifest);
  return { obj, step: { object: 'MessagingGroup', id, action: 'updated', detail: `wired: ${detail}` } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rows projected from these objects, once the operator has written them (and the wiring). */
function projected(
  db: CentralDb,
  agUid: string,
  mgUid: string,
): { ag: AgentGroup; dm: MessagingGroup } | null {
  const ag = db.first(db.q.selectFrom('agent_groups').selectAll().where('source_uid', '=', agUid));
  const dm = db.first(db.q.selectFrom('messaging_groups').selectAll().where('source_uid', '=', mgUid));
  if (!ag || !dm) return null;
  const wired = db.first(
    db.q
      .selectFrom('messaging_group_agents')
      .select('id')
      .where('messaging_group_id', '=', dm.id)
      .where('agent_group_id', '=', ag.id),
  );
  return wired ? { ag, dm } : null;
}

async function welcomeWhenProjected(
  dataDir: string,
  plan: FirstAgentPlan,
  ag: { uid: string; id: string },
  mg: { uid: string; id: string },
  mode: WelcomeMode,
  timeoutMs: number,
): Promise<Step[]> {
  const file = dataLayout(dataDir).centralDb;
  if (!fs.existsSync(file))
    throw new Error(
      `the welcome needs the host's data dir, and ${file} does not exist: run this in the host container ` +
        `(kubectl exec deployment/<release> -c host -- node /app/dist/cli/main.js init-first-agent …) or pass --no-welcome`,
    );
  const db = openCentralDb(file);
  try {
    const deadline = Date.now() + timeoutMs;
    let rows = projected(db, ag.uid, mg.uid);
    while (!rows && Date.now() < deadline) {
      await sleep(250);
      rows = projected(db, ag.uid, mg.uid);
    }
    if (!rows)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for the operator to project AgentGroup ${ag.id} and ` +
          `MessagingGroup ${mg.id} (wired) into ${file}: is the operator running and watching that namespace ` +
          `(kubectl describe them for their conditions)? The objects are there; run the same command again to ` +
          `write the welcome once they are projected`,
      );
    const messageId = welcomeMessageId(rows.ag.id, rows.dm.id, mode === 'resend' ? new Date() : null);
    return await writeWelcome(db, dataDir, {
      agentGroupId: rows.ag.id,
      dm: rows.dm,
      messageId,
      text: plan.welcomeText,
    });
  } finally {
    db.close();
  }
}

/** The objects a dry run prints (the owner grant as requested: it is decided against the cluster on a real run). */
export function dryRunObjects(mode: KubeMode, plan: FirstAgentPlan, platformId: string): object[] {
  const m = firstAgentManifests(mode.namespace, plan, platformId, decideRole(plan.role, plan.userId, []));
  return [m.agentGroup, m.messagingGroup, ...m.userRoles];
}

export async function initFirstAgentOnKubernetes(
  mode: KubeMode,
  plan: FirstAgentPlan,
  platformId: string,
  o: { dataDir: string; welcome: WelcomeMode; timeoutMs: number },
): Promise<Step[]> {
  const objects = new Objects(mode.kubeConfig().makeApiClient(CustomObjectsApi));
  const owners = (await objects.list('UserRole', mode.namespace))
    .filter((r) => r.spec.role === 'owner')
    .map((r) => r.spec.user as string);
  const decision = decideRole(plan.role, plan.userId, owners);
  const m = firstAgentManifests(mode.namespace, plan, platformId, decision);
  const ag = await objects.ensureStep(
    m.agentGroup,
    `${plan.agentName} (${plan.provider}), folder ${plan.folder}`,
  );
  const dm = await ensureDm(objects, m);
  const steps = [ag.step, dm.step];
  for (const r of m.userRoles) {
    const scope = r.spec.agentGroup ? ` of ${r.spec.agentGroup}` : '';
    steps.push((await objects.ensureStep(r, `${r.spec.user}: ${r.spec.role}${scope}`)).step);
  }
  if (decision.grant === null)
    steps.push({ object: 'role', id: plan.role, action: 'unchanged', detail: decision.note });
  if (o.welcome === 'skip') {
    steps.push({ object: 'welcome', id: '-', action: 'skipped', detail: '--no-welcome' });
    return steps;
  }
  const welcome = await welcomeWhenProjected(
    o.dataDir,
    plan,
    { uid: ag.obj.metadata.uid, id: ag.step.id },
    { uid: dm.obj.metadata.uid, id: dm.step.id },
    o.welcome,
    o.timeoutMs,
  );
  return [...steps, ...welcome];
}
