/**
 * The AgentGroup's `McpServersReady` condition, from what its runners last reported about its own MCP servers
 * (host/db/mcp-status.ts). Pure: configured names and stored reports in, condition out.
 *
 * - no servers configured: no condition;
 * - a configured server failed: False / McpServerFailed, naming each failed server and its reason;
 * - one has not been reported yet (no runner started since it was configured): Unknown / NotStarted;
 * - all started: True / Started, with each server's tool count.
 * Reasons come from runners (untrusted) but were bounded and flattened when the host stored them. The message
 * holds no times or session ids, so a new runner reporting the same thing changes nothing in status.
 */
import type { McpServerStatus } from '../../host/db/schema.js';
import type { ExtraCondition } from './types.js';

const MCP_CONDITION = 'McpServersReady';

export function mcpCondition(
  configured: readonly string[],
  rows: readonly McpServerStatus[],
): ExtraCondition | undefined {
  if (!configured.length) return undefined;
  const byName = new Map(rows.map((r) => [r.server_name, r]));
  const failed = configured.filter((n) => byName.get(n)?.state === 'failed');
  if (failed.length) {
    return {
      type: MCP_CONDITION,
      status: 'False',
      reason: 'McpServerFailed',
      message: `MCP servers that failed to start in the last runner: ${failed
        .map((n) => `${n}: ${byName.get(n)!.error ?? 'failed'}`)
        .join('; ')}`,
    };
  }
  const missing = configured.filter((n) => !byName.has(n));
  if (missing.length) {
    return {
      type: MCP_CONDITION,
      status: 'Unknown',
      reason: 'NotStarted',
      message: `no runner has started these MCP servers yet: ${missing.join(', ')}`,
    };
  }
  const tools = (n: string) => byName.get(n)!.tools;
  return {
    type: MCP_CONDITION,
    status: 'True',
    reason: 'Started',
    message: `started in the last runner: ${configured
      .map((n) => `${n} (${tools(n)} tool${tools(n) === 1 ? '' : 's'})`)
      .join(', ')}`,
  };
}
