/**
 * The host ⇄ runner contract for an agent group's own MCP servers (AgentGroup `spec.mcpServers`).
 *
 * Invariants:
 * - The host passes the servers to the runner as JSON in NANOCLAW_MCP_SERVERS (part of the runner's env, so a
 *   change replaces the runner). A stdio server is a command from the runner's image with literal, non-secret env
 *   (the CRD refuses secret-looking names and values). A remote server is only its name and `type: http`: the
 *   runner reaches it at `<host URL>/proxy/mcp/<name>` with its session token, and the host forwards to the
 *   configured URL with the configured headers — the URL and the headers never reach a runner. So nothing secret
 *   enters a pod spec.
 * - Server names are DNS labels of at most 32 characters, so `mcp__<name>__<tool>` is unambiguous; `nanoclaw`
 *   is the runner's built-in server and is reserved.
 * - What a runner reports about its servers is untrusted: every field is bounded here, and the host keeps only
 *   reports about servers the agent group really configures.
 */
import { z } from 'zod';

export const MCP_SERVER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MCP_SERVER_NAME_MAX = 32;
/** The runner's built-in server (container/agent-runner/tools/registry.ts). */
export const RESERVED_MCP_SERVER_NAMES = ['nanoclaw'] as const;
export const MAX_MCP_SERVERS = 16;
/** Longest error text a runner may report for one server. */
export const MCP_ERROR_MAX = 500;

const serverName = z.string().min(1).max(MCP_SERVER_NAME_MAX).regex(MCP_SERVER_NAME_PATTERN);

/** One stdio server as the runner starts it. */
export const McpStdioServer = z.object({
  name: serverName,
  command: z.string().min(1).max(512),
  args: z.array(z.string().max(4096)).max(64).default([]),
  env: z.record(z.string(), z.string()).default({}),
});
export type McpStdioServer = z.output<typeof McpStdioServer>;

/** One remote server as the runner sees it: reached through the host at mcpProxyPath(name). */
const McpHostedServer = z.object({ name: serverName, type: z.literal('http') });

/** A server as the runner starts it (stdio entries carry no `type`, as before remote servers existed). */
export const McpRunnerServer = z.union([McpHostedServer, McpStdioServer]);
export type McpRunnerServer = z.output<typeof McpRunnerServer>;

/** Path prefix on the host's runner port under which remote MCP servers are forwarded. */
export const MCP_PROXY_PATH_PREFIX = '/proxy/mcp';

/** The path a runner calls a remote server at; the host maps it to the configured URL. */
export function mcpProxyPath(name: string): string {
  return `${MCP_PROXY_PATH_PREFIX}/${name}`;
}

/** NANOCLAW_MCP_SERVERS: a JSON array of servers; absent = none. */
export const McpServersEnv = z
  .string()
  .default('[]')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(McpRunnerServer).max(MAX_MCP_SERVERS));

export const MCP_SERVER_STATES = ['ready', 'failed'] as const;

/** What a runner found when it started one server and listed its tools. */
export const McpServerReport = z.object({
  name: serverName,
  state: z.enum(MCP_SERVER_STATES),
  /** Tools the server listed (0 when it failed). */
  tools: z.number().int().min(0).max(100_000),
  error: z.string().max(MCP_ERROR_MAX).optional(),
});
export type McpServerReport = z.infer<typeof McpServerReport>;

export const McpServerReports = z.array(McpServerReport).max(MAX_MCP_SERVERS);
