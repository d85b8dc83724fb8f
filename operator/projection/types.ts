/**
 * Shared vocabulary of the projection: which object a set of rows comes from, what the outcome of projecting it
 * was (the `Ready` condition in waiting), and what the apply step may ask about the world around it.
 */
import type { KindName } from '../api/v1alpha1/kinds.js';

/** The data of a ConfigMap by namespace and name (instructionsFrom, skills); undefined when there is none. */
export type ConfigMapLookup = (namespace: string, name: string) => Record<string, string> | undefined;

/** The object rows are projected from. `generation: null` = derive it (embedded mode: bump on content change). */
export interface SourceRef {
  kind: KindName;
  namespace: string;
  name: string;
  uid: string;
  generation: number | null;
}

/** A reason the object is not (fully) projected. `field` names the spec field at fault, when there is one. */
export interface Problem {
  reason: string;
  message: string;
  field?: string;
}

/** A condition besides Ready that a kind shows (AgentGroup: McpServersReady). */
export interface ExtraCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface Outcome {
  ready: boolean;
  /** `Projected` when ready; otherwise the first problem's reason. */
  reason: string;
  message: string;
  problems: Problem[];
  /** Rows this projection changed (SQLite total_changes delta); 0 on a no-change resync. */
  writes: number;
  /** Kind-specific observed values for status (agentGroupId, folder, messagingGroupId, wiredAgents). */
  observed: Record<string, string | number>;
  /** Conditions besides Ready, computed with the projection. */
  conditions?: ExtraCondition[];
}

/** Who a live object is, as the apply step may look it up. Turned into words only by `describeHolder`. */
export interface ObjectName {
  kind: KindName;
  namespace: string;
  name: string;
}

export interface ApplyContext {
  /** Root of the data directory: agent folders live in <dataDir>/groups/<folder>/. */
  dataDir: string;
  /**
   * Is some object that still exists the owner of this uid? Rows of a uid that is gone (object deleted and
   * re-created under the same name) are taken over instead of reported as a conflict.
   */
  isLive(uid: string): boolean;
  /** The live object with this uid. Messages never use it directly: they go through `describeHolder`. */
  lookup(uid: string): ObjectName | undefined;
  /**
   * Namespaces whose UserRoles may grant a global role (owner, or admin without agentGroup): the install's own
   * (the first watched namespace) unless configured. A global grant from elsewhere is GlobalGrantNotAllowed.
   */
  globalGrantNamespaces: ReadonlySet<string>;
}

/** The provenance of a row another object's projection ran into. */
export interface Holder {
  source: 'crd' | 'runtime';
  source_uid: string | null;
}

/**
 * The only way a problem message (status condition, Event) names another object. Tenants share one install, so a
 * message shown in namespace `viewer.namespace` names an object of that namespace (`Kind namespace/name`) and never
 * one of another namespace — that is "an object in another namespace", whatever holds it.
 */
export function describeHolder(ctx: ApplyContext, holder: Holder, viewer: SourceRef): string {
  if (holder.source === 'runtime') return 'a runtime row (created by the host)';
  const other = holder.source_uid ? ctx.lookup(holder.source_uid) : undefined;
  if (!other) return 'another object';
  if (other.namespace !== viewer.namespace) return 'an object in another namespace';
  return `${other.kind} ${other.namespace}/${other.name}`;
}

const PROJECTED = 'Projected';

export function outcomeOf(
  problems: Problem[],
  writes: number,
  observed: Record<string, string | number>,
  readyMessage: string,
): Outcome {
  if (problems.length === 0)
    return { ready: true, reason: PROJECTED, message: readyMessage, problems, writes, observed };
  return {
    ready: false,
    reason: problems[0]!.reason,
    message: problems.map((p) => p.message).join('; '),
    problems,
    writes,
    observed,
  };
}
