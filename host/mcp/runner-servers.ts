/**
 * What a runner is told about its agent group's MCP servers (NANOCLAW_MCP_SERVERS): stdio servers as they are,
 * remote servers by name only.
 *
 * Invariant: a remote server's URL, headers and Secret references never reach a runner's env or pod spec; the
 * runner calls the host (mcp-proxy.ts), which looks them up per request.
 */
import type { McpRunnerServer } from '../../protocol/mcp.js';
import type { RunnerConfig } from '../db/runner-config.js';

export function runnerMcpServers(servers: NonNullable<RunnerConfig['mcpServers']>): McpRunnerServer[] {
  return servers.map((s) => ('type' in s ? { name: s.name, type: 'http' as const } : s));
}
