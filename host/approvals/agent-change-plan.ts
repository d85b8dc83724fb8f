/**
 * What a runner's configuration request becomes, decided without I/O: the change to write (AgentChange), why a
 * request is refused before any card is sent, and the card's text.
 *
 * Invariants:
 * - The card shows the whole change that approval writes — the agent group's name and instructions; the MCP
 *   server's command, every argument and every env entry — never an abridged version (NanoClaw's add_mcp_server
 *   card showed only name and command while args and env were written). A request too long to show in full on a
 *   card (CARD_REQUEST_MAX characters) is refused instead.
 * - A create_agent name is an object name (a DNS label) that no agent group of the parent's namespace has; an
 *   add_mcp_server name is a free server name of the asking group; an add_egress_host name is one exact host name
 *   (an agent never gets a wildcard: an owner writes those) not yet in the group's spec.egress. The rest is checked by the writer against the
 *   CRD's own schema (the same rules as `kubectl apply`).
 * - A child agent group is the parent's sibling: same namespace (id `<namespace>/<name>` when the parent's id has
 *   one), same provider, the parent as its peer `parent`, and itself a peer of the parent.
 */
import type { AgentChangeAction } from '../../protocol/messages.js';
import { DEFAULT_EGRESS_PORTS, MAX_EGRESS_RULES, normalizeEgressName } from '../../protocol/egress.js';
import { MAX_MCP_SERVERS, RESERVED_MCP_SERVER_NAMES } from '../../protocol/mcp.js';
import type { AgentGroup } from '../db/schema.js';
import { RunnerConfig } from '../db/runner-config.js';

/** The longest rendering of a request's content (instructions, or command + args + env) a card carries. */
export const CARD_REQUEST_MAX = 2500;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A child's destination name for its parent. */
export const PARENT_PEER_NAME = 'parent';

/** A stdio MCP server entry as AgentGroup spec.mcpServers[] holds it. */
export interface McpServerEntry {
  name: string;
  stdio: { command: string; args?: string[]; env?: { name: string; value: string }[] };
}

/** The change an approval writes; stored as the row's payload. */
export type AgentChange =
  | {
      action: 'create_agent';
      /** The parent's object name and namespace (from its id), and the child's id as the operator will project it. */
      parent: { id: string; name: string; namespace: string | null };
      child: { id: string; name: string; provider: string; instructions?: string };
    }
  | {
      action: 'add_mcp_server';
      group: { id: string; name: string; namespace: string | null };
      server: McpServerEntry;
    }
  | {
      action: 'add_egress_host';
      group: { id: string; name: string; namespace: string | null };
      entry: { host: string; ports: number[] };
    };

export type ChangePlan = { ok: true; change: AgentChange } | { ok: false; reason: string };

/** An agent group id as the operator projects it: `<namespace>/<name>`, or the bare name (one namespace). */
export function objectOfId(id: string): { namespace: string | null; name: string } {
  const slash = id.indexOf('/');
  return slash < 0
    ? { namespace: null, name: id }
    : { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

const idIn = (namespace: string | null, name: string) => (namespace ? `${namespace}/${name}` : name);

/**
 * Plans a request of agent group `group`. `exists(id)` says whether an agent group row has that id.
 */
export function planAgentChange(
  group: AgentGroup,
  action: AgentChangeAction,
  exists: (agentGroupId: string) => boolean,
): ChangePlan {
  const self = objectOfId(group.id);
  if (action.action === 'create_agent') {
    if (!DNS_LABEL.test(action.name))
      return {
        ok: false,
        reason: `name "${action.name}" is not a valid agent group name: lower-case letters, digits and '-', starting and ending with a letter or digit`,
      };
    const id = idIn(self.namespace, action.name);
    if (exists(id)) return { ok: false, reason: `an agent group named "${action.name}" already exists` };
    const instructions = action.instructions?.trim() || undefined;
    if (instructions && instructions.length > CARD_REQUEST_MAX)
      return {
        ok: false,
        reason: `instructions of ${instructions.length} characters are too long to show on an approval card (at most ${CARD_REQUEST_MAX}); ask with shorter instructions`,
      };
    return {
      ok: true,
      change: {
        action: 'create_agent',
        parent: { id: group.id, ...self },
        child: {
          id,
          name: action.name,
          provider: group.agent_provider,
          ...(instructions ? { instructions } : {}),
        },
      },
    };
  }
  const config = RunnerConfig.parse(JSON.parse(group.container_config));
  if (action.action === 'add_egress_host') {
    const host = normalizeEgressName(action.name);
    if (!host)
      return {
        ok: false,
        reason: `"${action.name}" is not a host name: ask for one exact DNS name (no wildcard, IP address or port)`,
      };
    const ports = [...new Set(action.ports ?? DEFAULT_EGRESS_PORTS)].sort((a, b) => a - b);
    const listed = (config.egress ?? []).find((e) => e.host === host);
    if (listed)
      return {
        ok: false,
        reason: `${host} is already in ${group.name}'s spec.egress (ports ${listed.ports.join(', ')}); an owner can change its ports there`,
      };
    if ((config.egress ?? []).length >= MAX_EGRESS_RULES)
      return {
        ok: false,
        reason: `${group.name}'s spec.egress already has ${MAX_EGRESS_RULES} entries, the most allowed`,
      };
    return {
      ok: true,
      change: { action: 'add_egress_host', group: { id: group.id, ...self }, entry: { host, ports } },
    };
  }
  if ((RESERVED_MCP_SERVER_NAMES as readonly string[]).includes(action.name))
    return { ok: false, reason: `the MCP server name "${action.name}" is reserved` };
  const servers = config.mcpServers ?? [];
  if (servers.some((s) => s.name === action.name))
    return { ok: false, reason: `${group.name} already has an MCP server named "${action.name}"` };
  if (servers.length >= MAX_MCP_SERVERS)
    return { ok: false, reason: `${group.name} already has ${servers.length} MCP servers, the most allowed` };
  const env = Object.entries(action.env ?? {}).map(([name, value]) => ({ name, value }));
  const server: McpServerEntry = {
    name: action.name,
    stdio: {
      command: action.command,
      ...(action.args?.length ? { args: action.args } : {}),
      ...(env.length ? { env } : {}),
    },
  };
  const shown = serverLines(server).join('\n');
  if (shown.length > CARD_REQUEST_MAX)
    return {
      ok: false,
      reason: `the request is ${shown.length} characters, too long to show on an approval card (at most ${CARD_REQUEST_MAX})`,
    };
  return { ok: true, change: { action: 'add_mcp_server', group: { id: group.id, ...self }, server } };
}

function serverLines(s: McpServerEntry): string[] {
  const { command, args = [], env = [] } = s.stdio;
  return [
    `command: ${JSON.stringify(command)}`,
    `args: ${args.length ? JSON.stringify(args) : '(none)'}`,
    `env: ${env.length ? env.map((e) => `${e.name}=${JSON.stringify(e.value)}`).join(', ') : '(none)'}`,
  ];
}

/** The list entry a change adds to the asking (parent) AgentGroup: which spec list, its key, the entry. */
export interface AddedEntry {
  owner: { id: string; name: string; namespace: string | null };
  field: 'peers' | 'mcpServers' | 'egress';
  /** The list-map key of the field's entries, and this entry's value of it. */
  key: 'agentGroup' | 'name' | 'host';
  keyValue: string;
  entry: Record<string, unknown>;
}

export function addedEntry(change: AgentChange): AddedEntry {
  switch (change.action) {
    case 'create_agent':
      return {
        owner: change.parent,
        field: 'peers',
        key: 'agentGroup',
        keyValue: change.child.name,
        entry: { agentGroup: change.child.name },
      };
    case 'add_mcp_server':
      return {
        owner: change.group,
        field: 'mcpServers',
        key: 'name',
        keyValue: change.server.name,
        entry: { ...change.server },
      };
    case 'add_egress_host':
      return {
        owner: change.group,
        field: 'egress',
        key: 'host',
        keyValue: change.entry.host,
        entry: { ...change.entry },
      };
  }
}

/** The card's text: who asks, the whole change, and what approving does. */
export function changeCardText(change: AgentChange, groupName: string, requester: string | null): string {
  const by = requester ? ` (in a conversation with ${requester})` : '';
  if (change.action === 'create_agent') {
    const { child } = change;
    const instructions = child.instructions
      ? `Instructions:\n${child.instructions
          .split('\n')
          .map((l) => `> ${l}`)
          .join('\n')}`
      : 'Instructions: (none)';
    return (
      `Agent request: ${groupName}${by} asks to create a new agent group "${child.name}" (provider ${child.provider}).\n\n` +
      `${instructions}\n\n` +
      `Approve to create it with ${groupName} as its peer "${PARENT_PEER_NAME}", and add "${child.name}" to ${groupName}'s peers; Reject to refuse.`
    );
  }
  if (change.action === 'add_egress_host') {
    const { host, ports } = change.entry;
    return (
      `Network request: ${groupName}${by} asks to reach ${host} on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} ` +
      `through the host's egress proxy (TLS tunnels only).\n\n` +
      `Approve to add it to ${groupName}'s spec.egress (its runners then reach ${host}); Reject to refuse.`
    );
  }
  return (
    `MCP server request: ${groupName}${by} asks to add the MCP server "${change.server.name}" to itself. ` +
    `It would run in ${groupName}'s runners, with what the agent can see:\n\n` +
    `${serverLines(change.server).join('\n')}\n\n` +
    `Approve to add it to ${groupName}'s spec.mcpServers (its runners restart with it); Reject to refuse.`
  );
}

/** One line for logs and the agent: what was asked. */
export function describeChange(change: AgentChange): string {
  if (change.action === 'create_agent') return `create_agent "${change.child.name}"`;
  if (change.action === 'add_egress_host') return `add_egress_host "${change.entry.host}"`;
  return `add_mcp_server "${change.server.name}"`;
}
