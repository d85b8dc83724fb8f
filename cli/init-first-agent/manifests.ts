/**
 * The objects init-first-agent creates in Kubernetes mode instead of rows: the AgentGroup `dm-with-<name>`, the
 * DM's MessagingGroup wired to it, and the person's UserRoles (the owner grant when decided, and always the
 * membership). Pure.
 *
 * Invariants:
 * - Names are deterministic, so a second run names the same objects: the AgentGroup is the plan's folder, the
 *   MessagingGroup `dm-<channel>-<10 hex of sha256(channel, chat id)>`, UserRoles as `roles grant` names them.
 * - Every object carries `nanoclaw.dev/created-by: cli` and is checked with the CRD's own schema before use.
 */
import { createHash } from 'node:crypto';
import { API_VERSION } from '../../operator/api/v1alpha1/common.js';
import { parseManifest } from '../../operator/api/v1alpha1/parse.js';
import { DM_WIRING, type FirstAgentPlan, type RoleDecision } from '../../host/onboarding/first-agent-plan.js';
import { CREATED_BY_LABEL, userRoleManifest, type UserRoleManifest } from '../user-role-manifest.js';

interface Metadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

export interface DmWiringSpec {
  agentGroup: string;
  engage: { mode: 'pattern'; pattern: string };
  senderScope: 'all';
  ignoredMessages: 'drop';
  sessionMode: 'shared';
}

interface AgentGroupManifest {
  apiVersion: typeof API_VERSION;
  kind: 'AgentGroup';
  metadata: Metadata;
  spec: { displayName: string; folder: string; provider: string; instructions: string };
}

interface MessagingGroupManifest {
  apiVersion: typeof API_VERSION;
  kind: 'MessagingGroup';
  metadata: Metadata;
  spec: {
    channel: string;
    platformId: string;
    displayName: string;
    isGroup: false;
    unknownSenderPolicy: 'strict';
    agents: DmWiringSpec[];
  };
}

export interface FirstAgentManifests {
  agentGroup: AgentGroupManifest;
  messagingGroup: MessagingGroupManifest;
  userRoles: UserRoleManifest[];
}

const VERB = 'init-first-agent';

export function dmMessagingGroupName(channel: string, platformId: string): string {
  const hash = createHash('sha256').update(`${channel}\0${platformId}`).digest('hex').slice(0, 10);
  return `dm-${channel}-${hash}`;
}

export function dmWiring(agentGroup: string): DmWiringSpec {
  return {
    agentGroup,
    engage: { mode: DM_WIRING.engageMode, pattern: DM_WIRING.engagePattern },
    senderScope: DM_WIRING.senderScope,
    ignoredMessages: DM_WIRING.ignoredMessages,
    sessionMode: DM_WIRING.sessionMode,
  };
}

function checked<T extends object>(manifest: T): T {
  const parsed = parseManifest(manifest);
  if (!parsed.ok) {
    const e = parsed.errors[0]!;
    throw new Error(
      `${VERB}: the ${(manifest as { kind: string }).kind} it built is invalid: ${e.field}: ${e.message}`,
    );
  }
  return manifest;
}

export function firstAgentManifests(
  namespace: string,
  plan: FirstAgentPlan,
  platformId: string,
  role: RoleDecision,
): FirstAgentManifests {
  const labels = { [CREATED_BY_LABEL]: 'cli' };
  const agentGroup = checked<AgentGroupManifest>({
    apiVersion: API_VERSION,
    kind: 'AgentGroup',
    metadata: { name: plan.agentGroupId, namespace, labels },
    spec: {
      displayName: plan.agentName,
      folder: plan.folder,
      provider: plan.provider,
      instructions: plan.instructions,
    },
  });
  const messagingGroup = checked<MessagingGroupManifest>({
    apiVersion: API_VERSION,
    kind: 'MessagingGroup',
    metadata: { name: dmMessagingGroupName(plan.channel, platformId), namespace, labels },
    spec: {
      channel: plan.channel,
      platformId,
      displayName: plan.displayName,
      isGroup: false,
      unknownSenderPolicy: 'strict',
      agents: [dmWiring(plan.agentGroupId)],
    },
  });
  const user = { user: plan.userId, displayName: plan.displayName };
  const userRoles = [
    userRoleManifest(VERB, namespace, { ...user, role: 'member', agentGroup: plan.agentGroupId }),
  ];
  if (role.grant === 'owner')
    userRoles.unshift(userRoleManifest(VERB, namespace, { ...user, role: 'owner' }));
  if (role.grant === 'admin')
    userRoles.unshift(
      userRoleManifest(VERB, namespace, { ...user, role: 'admin', agentGroup: plan.agentGroupId }),
    );
  return { agentGroup, messagingGroup, userRoles };
}
