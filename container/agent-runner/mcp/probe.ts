/**
 * Checks the agent group's own MCP servers when the runner starts: each stdio one is started with its configured
 * command, args and env (over the MCP SDK's default environment) in the agent's cwd, each remote one is connected
 * to through the host; each is asked for its tools, and closed.
 *
 * Invariants:
 * - Every server is checked in parallel and within `timeoutMs`; a probe never throws, and a server that hangs is
 *   killed (its transport is closed) when the time is up.
 * - A failing server is never a silent absence: its report says why (bounded to MCP_ERROR_MAX characters, one
 *   line), the host puts it in the agent group's status and the agent is told in its prompt (mcpFailureNote).
 * - Only servers that listed their tools are handed to the provider.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { MCP_ERROR_MAX, type McpServerReport, type McpStdioServer } from '../../../protocol/mcp.js';
import type { Logger } from '../logger.js';
import { isHttpConnection, type McpConnection } from './connection.js';

const MCP_PROBE_TIMEOUT_MS = 15_000;
const STDERR_TAIL = 400;

export interface McpStartup {
  /** Servers that answered with their tools: the ones the provider may use. */
  ready: McpConnection[];
  /** One report per configured server, in configuration order. */
  reports: McpServerReport[];
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MCP_ERROR_MAX ? `${flat.slice(0, MCP_ERROR_MAX - 1)}…` : flat;
}

function stdioTransport(server: McpStdioServer, cwd: string, onStderr: (text: string) => void): Transport {
  const transport = new StdioClientTransport({
    command: server.command,
    args: server.args,
    env: { ...getDefaultEnvironment(), ...server.env },
    cwd,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => onStderr(chunk.toString('utf8')));
  return transport;
}

/** An HTTP failure with its status first (the SDK's message alone does not say 401). */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: string };
  const why = e?.message || String(err);
  return typeof e?.code === 'number' && e.code > 0 ? `HTTP ${e.code}: ${why}` : why;
}

async function probeOne(server: McpConnection, cwd: string, timeoutMs: number): Promise<McpServerReport> {
  let stderr = '';
  const transport = isHttpConnection(server)
    ? new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } })
    : stdioTransport(server, cwd, (text) => {
        stderr = (stderr + text).slice(-STDERR_TAIL);
      });
  const client = new Client({ name: 'nanoclaw-agent-runner', version: '0.1.0' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
  });
  try {
    const tools = await Promise.race([
      (async () => {
        await client.connect(transport);
        return (await client.listTools()).tools.length;
      })(),
      timeout,
    ]);
    return { name: server.name, state: 'ready', tools };
  } catch (err) {
    const why = describe(err);
    const tail = stderr.trim() ? ` (stderr: ${stderr.trim()})` : '';
    return { name: server.name, state: 'failed', tools: 0, error: oneLine(`${why}${tail}`) };
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

export async function probeMcpServers(
  servers: readonly McpConnection[],
  cwd: string,
  log: Logger,
  timeoutMs = MCP_PROBE_TIMEOUT_MS,
): Promise<McpStartup> {
  const reports = await Promise.all(servers.map((s) => probeOne(s, cwd, timeoutMs)));
  for (const r of reports) {
    if (r.state === 'ready') log.info({ mcpServer: r.name, tools: r.tools }, 'MCP server ready');
    else log.warn({ mcpServer: r.name, err: r.error }, 'MCP server failed to start');
  }
  const ok = new Set(reports.filter((r) => r.state === 'ready').map((r) => r.name));
  return { ready: servers.filter((s) => ok.has(s.name)), reports };
}

/** What the agent is told about servers it was given but cannot use; null when all work. */
export function mcpFailureNote(reports: readonly McpServerReport[]): string | null {
  const failed = reports.filter((r) => r.state === 'failed');
  if (!failed.length) return null;
  return [
    'These MCP servers configured for you could not be started, so their tools are missing this session;',
    'say so if the user asks for something that needs them:',
    ...failed.map((r) => `- ${r.name}: ${r.error ?? 'failed'}`),
  ].join('\n');
}
