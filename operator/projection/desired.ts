/**
 * Pure "desired rows" builders: a validated object (kind, metadata, spec) → the rows it should project to, plus
 * the problems that can be seen without looking at the DB (a folder that is not a DNS label, a pattern that does
 * not compile as RE2, a ConfigMap that is missing). No I/O here; ConfigMaps come in through a lookup function.
 */
import { normalizeLocalName } from '../../host/db/destinations.js';
import { type ForwardHeaderRef, type RunnerConfig } from '../../host/db/runner-config.js';
import { patternError } from '../../protocol/pattern.js';
import { FOLDER_PATTERN, RESERVED_FOLDERS } from '../../protocol/vocabulary.js';
import type { AgentGroupSpec } from '../api/v1alpha1/agent-group.js';
import { DEFAULT_IDLE_TIMEOUT } from '../api/v1alpha1/agent-group.js';
import { durationSeconds } from '../api/v1alpha1/common.js';
import type { MessagingGroupSpec } from '../api/v1alpha1/messaging-group.js';
import type { UserRoleSpec } from '../api/v1alpha1/user-role.js';
import { desiredSkills, type PathSkill } from './desired-skills.js';
import { projectedFolder, projectedId, type IdScope } from './ids.js';
import type { ConfigMapLookup, Problem, SourceRef } from './types.js';

export interface DesiredAgentGroup {
  ref: SourceRef;
  id: string;
  /** The folder on disk: spec.folder (default metadata.name), namespaced when several namespaces are watched. */
  folder: string;
  /**
   * spec.folder as given, when namespacing changed it: rows projected before folders were namespaced keep it.
   * Null in a single-namespace install.
   */
  legacyFolder: string | null;
  name: string;
  provider: 'claude' | 'mock';
  model: string | null;
  instructions: string | null;
  runner: RunnerConfig;
  /** spec.budget.monthlyTokens; null: no budget. */
  budgetMonthlyTokens: number | null;
  /** Declared peers (spec.peers), in order. */
  peers: DesiredPeer[];
  /** spec.skills entries left out (desired-skills.ts); the rest is in runner.skills. */
  skillProblems: Problem[];
  /** The `path` skills, looked at in the agent folder when applied (path-skills.ts). */
  skillPaths: PathSkill[];
}

interface DesiredPeer {
  /** Index in spec.peers, for field paths in problems. */
  index: number;
  agentGroupName: string;
  agentGroupId: string;
  /** The destination name the agent uses for it (collision-broken when applied). */
  localName: string;
}

type McpServerSpec = NonNullable<AgentGroupSpec['mcpServers']>[number];
type HeaderSpec = NonNullable<NonNullable<AgentGroupSpec['egress']>[number]['headers']>[number];

/** Headers as the host keeps them: a literal value, or a Secret key it reads when it forwards a call. */
function headerRefs(headers: readonly HeaderSpec[]): ForwardHeaderRef[] {
  return headers.map((h) => ({
    name: h.name,
    ...(h.valueFrom ? { secretKeyRef: h.valueFrom.secretKeyRef } : { value: h.value ?? '' }),
  }));
}

/** One spec.mcpServers entry as the host keeps it: stdio as the runner starts it, http as the host forwards it. */
function mcpServerConfig(
  m: McpServerSpec,
  namespace: string,
): NonNullable<RunnerConfig['mcpServers']>[number] {
  if (m.http) {
    return {
      name: m.name,
      type: 'http',
      url: m.http.url,
      namespace,
      headers: headerRefs(m.http.headers ?? []),
    };
  }
  return {
    name: m.name,
    command: m.stdio!.command,
    args: m.stdio!.args ?? [],
    env: Object.fromEntries((m.stdio!.env ?? []).map((e) => [e.name, e.value])),
  };
}

function runnerConfig(spec: AgentGroupSpec, namespace: string): RunnerConfig {
  const { runner, mcpServers: mcp, egress } = spec;
  const out: RunnerConfig = {};
  if (runner.image) out.image = runner.image;
  const list = (r: Record<string, string | number | undefined> | undefined) => {
    if (!r) return undefined;
    const entries = Object.entries(r).filter((e): e is [string, string | number] => e[1] !== undefined);
    return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k, String(v)])) : undefined;
  };
  const requests = list(runner.resources?.requests);
  const limits = list(runner.resources?.limits);
  if (requests || limits) out.resources = { ...(requests && { requests }), ...(limits && { limits }) };
  if (runner.env?.length) out.env = runner.env.map((e) => ({ name: e.name, value: e.value }));
  out.idleTimeoutSeconds = durationSeconds(runner.idleTimeout ?? DEFAULT_IDLE_TIMEOUT);
  if (runner.maxConcurrent !== undefined) out.maxConcurrent = runner.maxConcurrent;
  if (mcp?.length) {
    out.mcpServers = mcp.map((m) => mcpServerConfig(m, namespace));
  }
  if (egress?.length)
    out.egress = egress.map((e) => ({
      host: e.host,
      ports: [...e.ports],
      ...(e.headers?.length ? { headers: headerRefs(e.headers), namespace } : {}),
    }));
  return out;
}

export function desiredAgentGroup(
  ref: SourceRef,
  spec: AgentGroupSpec,
  scope: IdScope,
  configMaps: ConfigMapLookup,
): { desired: DesiredAgentGroup } | { problem: Problem } {
  const folder = spec.folder ?? ref.name;
  if (!spec.folder && (!FOLDER_PATTERN.test(folder) || folder.length > 63)) {
    return {
      problem: {
        reason: 'InvalidFolder',
        field: 'spec.folder',
        message: `metadata.name "${ref.name}" is not a DNS label, so it cannot be the folder: set spec.folder`,
      },
    };
  }
  if ((RESERVED_FOLDERS as readonly string[]).includes(folder)) {
    return {
      problem: {
        reason: 'InvalidFolder',
        field: 'spec.folder',
        message: `folder "${folder}" is reserved for the shared read-only folder: set spec.folder`,
      },
    };
  }
  let instructions = spec.instructions ?? null;
  const cmRef = spec.instructionsFrom?.configMapKeyRef;
  if (cmRef) {
    const data = configMaps(ref.namespace, cmRef.name);
    const value = data?.[cmRef.key];
    if (value === undefined) {
      return {
        problem: {
          reason: 'InstructionsNotFound',
          field: 'spec.instructionsFrom.configMapKeyRef',
          message: data
            ? `ConfigMap "${cmRef.name}" has no key "${cmRef.key}"`
            : `ConfigMap "${cmRef.name}" not found in namespace "${ref.namespace}"`,
        },
      };
    }
    instructions = value;
  }
  const skills = desiredSkills(spec.skills, ref.namespace, configMaps);
  const runner = runnerConfig(spec, ref.namespace);
  if (skills.skills.length) runner.skills = skills.skills;
  return {
    desired: {
      ref,
      id: projectedId(ref.namespace, ref.name, scope),
      folder: projectedFolder(ref.namespace, folder, scope),
      legacyFolder: scope.multiNamespace ? folder : null,
      name: spec.displayName ?? ref.name,
      provider: spec.provider,
      model: spec.model ?? null,
      instructions,
      runner,
      budgetMonthlyTokens: spec.budget?.monthlyTokens ?? null,
      peers: (spec.peers ?? []).map((p, index) => ({
        index,
        agentGroupName: p.agentGroup,
        agentGroupId: projectedId(ref.namespace, p.agentGroup, scope),
        localName: normalizeLocalName(p.name ?? p.agentGroup),
      })),
      skillProblems: skills.problems,
      skillPaths: skills.paths,
    },
  };
}

export interface DesiredWiring {
  /** Index in spec.agents, for field paths in problems. */
  index: number;
  agentGroupName: string;
  agentGroupId: string;
  engageMode: 'pattern' | 'mention' | 'mention-sticky';
  engagePattern: string | null;
  senderScope: 'all' | 'known';
  ignoredMessages: 'drop' | 'accumulate';
  sessionMode: 'shared' | 'per-thread' | 'agent-shared';
  priority: number;
}

export interface DesiredMessagingGroup {
  ref: SourceRef;
  /** Row id when the chat has no row yet. */
  id: string;
  channelType: string;
  platformId: string;
  name: string;
  isGroup: boolean;
  unknownSenderPolicy: 'strict' | 'request_approval' | 'public';
  wirings: DesiredWiring[];
  /** Wirings left out because of a problem seen here (a pattern that does not compile). */
  problems: Problem[];
}

export function desiredMessagingGroup(
  ref: SourceRef,
  spec: MessagingGroupSpec,
  scope: IdScope,
): DesiredMessagingGroup {
  const problems: Problem[] = [];
  const wirings: DesiredWiring[] = [];
  (spec.agents ?? []).forEach((w, index) => {
    const pattern = w.engage.mode === 'pattern' ? (w.engage.pattern ?? null) : null;
    // The router's engine (RE2), so what is projected is what routes.
    const err = pattern === null ? undefined : patternError(pattern);
    if (err) {
      problems.push({
        reason: 'InvalidPattern',
        field: `spec.agents[${index}].engage.pattern`,
        message: `engage.pattern of agent "${w.agentGroup}" does not compile as RE2: ${err}`,
      });
      return;
    }
    wirings.push({
      index,
      agentGroupName: w.agentGroup,
      agentGroupId: projectedId(ref.namespace, w.agentGroup, scope),
      engageMode: w.engage.mode,
      engagePattern: pattern,
      senderScope: w.senderScope,
      ignoredMessages: w.ignoredMessages,
      sessionMode: w.sessionMode,
      priority: w.priority,
    });
  });
  return {
    ref,
    id: projectedId(ref.namespace, ref.name, scope),
    channelType: spec.channel,
    platformId: spec.platformId,
    name: spec.displayName ?? ref.name,
    isGroup: spec.isGroup,
    unknownSenderPolicy: spec.unknownSenderPolicy,
    wirings,
    problems,
  };
}

type DesiredGrant =
  | { type: 'role'; role: 'owner' | 'admin'; agentGroupId: string | null }
  | { type: 'member'; agentGroupId: string };

export interface DesiredUserRole {
  ref: SourceRef;
  userId: string;
  displayName: string | null;
  grant: DesiredGrant;
  /** metadata.name of the AgentGroup in scope, for messages. */
  agentGroupName: string | null;
}

export function desiredUserRole(ref: SourceRef, spec: UserRoleSpec, scope: IdScope): DesiredUserRole {
  const agId = spec.agentGroup ? projectedId(ref.namespace, spec.agentGroup, scope) : null;
  const grant: DesiredGrant =
    spec.role === 'member'
      ? { type: 'member', agentGroupId: agId! }
      : { type: 'role', role: spec.role, agentGroupId: spec.role === 'owner' ? null : agId };
  return {
    ref,
    userId: spec.user,
    displayName: spec.displayName ?? null,
    grant,
    agentGroupName: spec.agentGroup ?? null,
  };
}
