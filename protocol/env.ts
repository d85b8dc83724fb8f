/**
 * The runner's environment, set by the host (local-process) or the pod spec (kubernetes). The host owns every
 * NANOCLAW_* and ANTHROPIC_* name: an AgentGroup's own env list may not set them.
 * No model API key is ever part of this: ANTHROPIC_BASE_URL points at the host's credential proxy and the
 * per-session token is what the runner presents there.
 */
import { z } from 'zod';
import { McpServersEnv } from './mcp.js';
import { DEFAULT_WORKSPACE } from './paths.js';

export const RUNNER_ENV = {
  sessionId: 'NANOCLAW_SESSION_ID',
  agentGroupId: 'NANOCLAW_AGENT_GROUP_ID',
  adminUserIds: 'NANOCLAW_ADMIN_USER_IDS',
  workspace: 'NANOCLAW_WORKSPACE',
  hostUrl: 'NANOCLAW_HOST_URL',
  /** Instead of a URL: the host's runner port as a Unix socket (sandboxed runners have no network). */
  hostSocket: 'NANOCLAW_HOST_SOCKET',
  sessionToken: 'NANOCLAW_SESSION_TOKEN',
  sessionTokenFile: 'NANOCLAW_SESSION_TOKEN_FILE',
  provider: 'NANOCLAW_PROVIDER',
  model: 'NANOCLAW_MODEL',
  maxBatch: 'NANOCLAW_MAX_BATCH',
  pollIntervalMs: 'NANOCLAW_POLL_INTERVAL_MS',
  mcpServers: 'NANOCLAW_MCP_SERVERS',
  /** `1`: the agent group has spec.egress, so the runner points HTTPS_PROXY at the host's egress proxy. */
  egressProxy: 'NANOCLAW_EGRESS_PROXY',
  anthropicBaseUrl: 'ANTHROPIC_BASE_URL',
  logLevel: 'LOG_LEVEL',
} as const;

/** Path on the host's runner port where the credential proxy forwards model API calls. */
export const PROXY_PATH_PREFIX = '/proxy/anthropic';
/** Path of the host ⇄ runner notification channel (see notify.ts). */
export const RUNNER_CHANNEL_PATH = '/runner/v1/channel';

/** A comma-separated env value as a list (blanks dropped); shared by the runner's and the host's env schemas. */
export const commaList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

export const RunnerEnv = z
  .object({
    [RUNNER_ENV.sessionId]: z.string().min(1),
    [RUNNER_ENV.agentGroupId]: z.string().min(1),
    [RUNNER_ENV.adminUserIds]: commaList,
    [RUNNER_ENV.workspace]: z.string().min(1).default(DEFAULT_WORKSPACE),
    [RUNNER_ENV.hostUrl]: z.url().optional(),
    [RUNNER_ENV.sessionToken]: z.string().min(16).optional(),
    [RUNNER_ENV.sessionTokenFile]: z.string().optional(),
    [RUNNER_ENV.provider]: z.enum(['mock', 'claude']).default('mock'),
    [RUNNER_ENV.model]: z.string().optional(),
    [RUNNER_ENV.maxBatch]: z.coerce.number().int().min(1).max(100).default(10),
    [RUNNER_ENV.pollIntervalMs]: z.coerce.number().int().min(50).max(60_000).default(2000),
    [RUNNER_ENV.mcpServers]: McpServersEnv,
    [RUNNER_ENV.egressProxy]: z.enum(['0', '1']).default('0'),
    [RUNNER_ENV.anthropicBaseUrl]: z.url().optional(),
    [RUNNER_ENV.logLevel]: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info'),
  })
  .transform((e) => ({
    sessionId: e[RUNNER_ENV.sessionId],
    agentGroupId: e[RUNNER_ENV.agentGroupId],
    adminUserIds: e[RUNNER_ENV.adminUserIds],
    workspace: e[RUNNER_ENV.workspace],
    hostUrl: e[RUNNER_ENV.hostUrl],
    sessionToken: e[RUNNER_ENV.sessionToken],
    sessionTokenFile: e[RUNNER_ENV.sessionTokenFile],
    provider: e[RUNNER_ENV.provider],
    model: e[RUNNER_ENV.model],
    maxBatch: e[RUNNER_ENV.maxBatch],
    pollIntervalMs: e[RUNNER_ENV.pollIntervalMs],
    mcpServers: e[RUNNER_ENV.mcpServers],
    egressProxy: e[RUNNER_ENV.egressProxy] === '1',
    anthropicBaseUrl: e[RUNNER_ENV.anthropicBaseUrl],
    logLevel: e[RUNNER_ENV.logLevel],
  }));
export type RunnerEnv = z.output<typeof RunnerEnv>;
