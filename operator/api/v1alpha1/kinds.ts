/**
 * The three kinds of nanoclaw.dev/v1alpha1 with everything the CRD generator, the operator and the embedded loader
 * need: names, printer columns, and the zod schema of a whole manifest (apiVersion, kind, metadata, spec).
 */
import { z } from 'zod';
import { AgentGroupSpec, AgentGroupStatus } from './agent-group.js';
import { API_VERSION, ObjectMeta } from './common.js';
import { MessagingGroupSpec, MessagingGroupStatus } from './messaging-group.js';
import { UserRoleSpec, UserRoleStatus } from './user-role.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

const READY_COLUMNS: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Whether the spec is projected into the central DB.',
  },
];
const TAIL_COLUMNS: PrinterColumn[] = [
  {
    name: 'Reason',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    description: 'Why the object is (not) ready.',
    priority: 1,
  },
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: 'Time since the object was created.',
  },
];

interface KindDef<K extends string, Spec extends z.ZodType, Status extends z.ZodType> {
  kind: K;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: Spec;
  status: Status;
  printerColumns: PrinterColumn[];
}

function defineKind<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  def: KindDef<K, Spec, Status>,
) {
  const manifest = z.strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(def.kind),
    metadata: ObjectMeta,
    // Like the CRD: a spec may be left out only when an empty spec is valid.
    spec: def.spec.safeParse({}).success ? def.spec.prefault({} as z.input<Spec>) : def.spec,
    // A manifest copied from `kubectl get -o yaml` may carry a status; it is ignored.
    status: z.unknown().optional(),
  });
  return { ...def, manifest };
}

const AgentGroupKind = defineKind({
  kind: 'AgentGroup',
  plural: 'agentgroups',
  singular: 'agentgroup',
  shortNames: ['ag'],
  description:
    'An agent: its folder, model provider, instructions and runner settings. The operator projects it into the central DB of NanoClaw.',
  spec: AgentGroupSpec,
  status: AgentGroupStatus,
  printerColumns: [
    ...READY_COLUMNS,
    { name: 'Folder', type: 'string', jsonPath: '.status.folder', description: 'Folder in use.' },
    { name: 'Provider', type: 'string', jsonPath: '.spec.provider', description: 'Model provider.' },
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'Model name.', priority: 1 },
    ...TAIL_COLUMNS,
  ],
});

const MessagingGroupKind = defineKind({
  kind: 'MessagingGroup',
  plural: 'messaginggroups',
  singular: 'messaginggroup',
  shortNames: ['mg'],
  description:
    'A chat on a channel (Telegram, Discord, Slack, web, CLI, ...) and the agent groups wired to it, with their trigger rules.',
  spec: MessagingGroupSpec,
  status: MessagingGroupStatus,
  printerColumns: [
    ...READY_COLUMNS,
    { name: 'Channel', type: 'string', jsonPath: '.spec.channel', description: 'Channel adapter.' },
    {
      name: 'Platform ID',
      type: 'string',
      jsonPath: '.spec.platformId',
      description: 'Chat id on the platform.',
    },
    {
      name: 'Policy',
      type: 'string',
      jsonPath: '.spec.unknownSenderPolicy',
      description: 'Unknown sender policy.',
      priority: 1,
    },
    { name: 'Agents', type: 'integer', jsonPath: '.status.wiredAgents', description: 'Wired agents.' },
    ...TAIL_COLUMNS,
  ],
});

const UserRoleKind = defineKind({
  kind: 'UserRole',
  plural: 'userroles',
  singular: 'userrole',
  shortNames: ['ur'],
  description:
    'A grant to one user: owner (global), admin (global or of one agent group) or member of one agent group.',
  spec: UserRoleSpec,
  status: UserRoleStatus,
  printerColumns: [
    ...READY_COLUMNS,
    { name: 'User', type: 'string', jsonPath: '.spec.user', description: 'User id.' },
    { name: 'Role', type: 'string', jsonPath: '.spec.role', description: 'Role.' },
    {
      name: 'Agent Group',
      type: 'string',
      jsonPath: '.spec.agentGroup',
      description: 'Scope (none = global).',
    },
    ...TAIL_COLUMNS,
  ],
});

export const KINDS = [AgentGroupKind, MessagingGroupKind, UserRoleKind] as const;
export type KindName = (typeof KINDS)[number]['kind'];
export const KIND_NAMES: KindName[] = ['AgentGroup', 'MessagingGroup', 'UserRole'];

/** Metadata as the API server returns it: everything the operator relies on is present. */
export interface ServerMeta {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  resourceVersion?: string;
  /** Typed as client-node types them; from a watch they are RFC 3339 strings. Only checked for presence. */
  creationTimestamp?: Date;
  deletionTimestamp?: Date;
}

interface AgentGroupObject {
  apiVersion: typeof API_VERSION;
  kind: 'AgentGroup';
  metadata: ServerMeta;
  spec: AgentGroupSpec;
  status?: AgentGroupStatus;
}
interface MessagingGroupObject {
  apiVersion: typeof API_VERSION;
  kind: 'MessagingGroup';
  metadata: ServerMeta;
  spec: MessagingGroupSpec;
  status?: MessagingGroupStatus;
}
interface UserRoleObject {
  apiVersion: typeof API_VERSION;
  kind: 'UserRole';
  metadata: ServerMeta;
  spec: UserRoleSpec;
  status?: UserRoleStatus;
}
export type NanoclawObject = AgentGroupObject | MessagingGroupObject | UserRoleObject;

export function kindDef(kind: KindName) {
  const def = KINDS.find((k) => k.kind === kind);
  if (!def) throw new Error(`unknown kind ${kind}`);
  return def;
}
