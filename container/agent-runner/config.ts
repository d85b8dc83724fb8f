/**
 * The runner's configuration: RunnerEnv (protocol/env.ts) plus what is derived from it.
 *
 * Invariants:
 * - A bad or missing variable fails start-up with an error naming the variable, before anything is opened.
 * - The session token is read once (from NANOCLAW_SESSION_TOKEN or the file NANOCLAW_SESSION_TOKEN_FILE) and is
 *   never logged; it is needed whenever the runner talks to the host (channel or credential proxy).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROXY_PATH_PREFIX, RUNNER_ENV, RunnerEnv } from '../../protocol/env.js';
import { workspacePaths, type WorkspacePaths } from '../../protocol/paths.js';
import { mcpConnections, type McpConnection } from './mcp/connection.js';

export interface RunnerConfig {
  sessionId: string;
  agentGroupId: string;
  adminUserIds: ReadonlySet<string>;
  paths: WorkspacePaths;
  hostUrl: string | undefined;
  sessionToken: string | undefined;
  provider: 'mock' | 'claude';
  model: string | undefined;
  maxBatch: number;
  pollIntervalMs: number;
  /** Where the claude provider sends model API calls: ANTHROPIC_BASE_URL, else the host's credential proxy. */
  anthropicBaseUrl: string | undefined;
  /** The agent group's own MCP servers (NANOCLAW_MCP_SERVERS); remote ones through the host. */
  mcpServers: McpConnection[];
  /** NANOCLAW_EGRESS_PROXY=1: tools reach the internet through the host's egress proxy (egress-env.ts). */
  egressProxy: boolean;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  const parsed = RunnerEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = issue.path.join('.') || '(environment)';
    throw new ConfigError(`invalid environment variable ${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  let sessionToken = e.sessionToken;
  if (!sessionToken && e.sessionTokenFile) {
    try {
      sessionToken = fs.readFileSync(e.sessionTokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(
        `invalid environment variable ${RUNNER_ENV.sessionTokenFile}: cannot read the file (${(err as Error).message})`,
      );
    }
    if (sessionToken.length < 16) {
      throw new ConfigError(
        `invalid environment variable ${RUNNER_ENV.sessionTokenFile}: the token in the file is shorter than 16 characters`,
      );
    }
  }
  if (e.hostUrl && !sessionToken) {
    throw new ConfigError(
      `missing environment variable ${RUNNER_ENV.sessionToken} (or ${RUNNER_ENV.sessionTokenFile}): required when ${RUNNER_ENV.hostUrl} is set`,
    );
  }
  const anthropicBaseUrl =
    e.anthropicBaseUrl ?? (e.hostUrl ? joinUrl(e.hostUrl, PROXY_PATH_PREFIX) : undefined);
  if (e.provider === 'claude') {
    if (!anthropicBaseUrl) {
      throw new ConfigError(
        `missing environment variable ${RUNNER_ENV.anthropicBaseUrl} (or ${RUNNER_ENV.hostUrl}): the claude provider needs the host's credential proxy`,
      );
    }
    if (!sessionToken) {
      throw new ConfigError(
        `missing environment variable ${RUNNER_ENV.sessionToken} (or ${RUNNER_ENV.sessionTokenFile}): the claude provider presents it to the credential proxy`,
      );
    }
  }
  let mcpServers: McpConnection[];
  try {
    mcpServers = mcpConnections(e.mcpServers, { url: e.hostUrl, token: sessionToken });
  } catch (err) {
    throw new ConfigError(`invalid environment variable ${RUNNER_ENV.mcpServers}: ${(err as Error).message}`);
  }
  return {
    sessionId: e.sessionId,
    agentGroupId: e.agentGroupId,
    adminUserIds: new Set(e.adminUserIds),
    paths: workspacePaths(path.resolve(e.workspace)),
    hostUrl: e.hostUrl,
    sessionToken,
    provider: e.provider,
    model: e.model,
    maxBatch: e.maxBatch,
    pollIntervalMs: e.pollIntervalMs,
    anthropicBaseUrl,
    mcpServers,
    egressProxy: e.egressProxy,
    logLevel: e.logLevel,
  };
}

function joinUrl(base: string, suffix: string): string {
  return base.replace(/\/+$/, '') + suffix;
}
