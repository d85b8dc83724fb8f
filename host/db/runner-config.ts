/**
 * What `agent_groups.container_config` holds: the per-agent-group runner settings as JSON, projected from the
 * AgentGroup spec (runner, mcpServers, egress, skills). This zod schema is its one source of truth; readers parse
 * with it.
 */
import { z } from 'zod';
import { McpStdioServer } from '../../protocol/mcp.js';

/**
 * A remote MCP server as the host keeps it (AgentGroup spec.mcpServers[].http): what the host forwards to. Secret
 * header values are references only, resolved at request time; none of this is passed to a runner.
 */
/** A header the host adds to a forwarded call: a literal value or a reference to a Secret key. */
export const ForwardHeaderRef = z.object({
  name: z.string(),
  value: z.string().optional(),
  secretKeyRef: z.object({ name: z.string(), key: z.string() }).optional(),
});
export type ForwardHeaderRef = z.infer<typeof ForwardHeaderRef>;

export const McpRemoteUpstream = z.object({
  name: z.string(),
  type: z.literal('http'),
  url: z.string(),
  /** Namespace of the AgentGroup: where its Secrets are read (embedded: the manifest folder). */
  namespace: z.string(),
  headers: z.array(ForwardHeaderRef),
});
export type McpRemoteUpstream = z.infer<typeof McpRemoteUpstream>;

/**
 * An entry of AgentGroup spec.egress as the host keeps it. One with `headers` is a destination the host forwards
 * plain-http requests to over TLS, adding them (Secret values are references, read at request time, from
 * `namespace`); none of it is passed to a runner.
 */
export const EgressEntry = z.object({
  host: z.string(),
  ports: z.array(z.number().int()),
  headers: z.array(ForwardHeaderRef).optional(),
  /** Namespace of the AgentGroup, set with headers: where their Secrets are read. */
  namespace: z.string().optional(),
});
export type EgressEntry = z.infer<typeof EgressEntry>;

/**
 * One skill (AgentGroup spec.skills[]) as the host writes it to the agent folder: the files of a ConfigMap skill as
 * the operator read them (file name → content, checked with protocol/skills.ts), or the folder of a `path` skill,
 * copied by the host when a runner is woken. ConfigMaps are not secret; nothing here is.
 */
const SkillConfig = z.object({
  name: z.string(),
  files: z.record(z.string(), z.string()).optional(),
  path: z.string().optional(),
});

/** Per-agent-group runner settings, stored as JSON in agent_groups.container_config. */
export const RunnerConfig = z.object({
  image: z.string().optional(),
  resources: z
    .object({
      requests: z.record(z.string(), z.string()).optional(),
      limits: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  env: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  idleTimeoutSeconds: z.number().int().positive().optional(),
  /** Runners of this agent group at once (within the host's NANOCLAW_MAX_RUNNERS). */
  maxConcurrent: z.number().int().positive().optional(),
  /**
   * The agent group's own MCP servers (AgentGroup spec.mcpServers): stdio ones are passed to the runner as they
   * are, remote ones only by name (runnerMcpServers).
   */
  mcpServers: z.array(z.union([McpRemoteUpstream, McpStdioServer])).optional(),
  /** Hosts its runners may reach through the host's egress proxy (AgentGroup spec.egress), as declared. */
  egress: z.array(EgressEntry).optional(),
  /** Skills the host writes to <agent folder>/.claude/skills/ (AgentGroup spec.skills), valid ones only. */
  skills: z.array(SkillConfig).optional(),
});
export type RunnerConfig = z.infer<typeof RunnerConfig>;
