/**
 * The host's configuration, from the environment, parsed by one zod schema. A bad value fails fast with the
 * variable's name. Secrets (ANTHROPIC_API_KEY, NANOCLAW_WEB_TOKEN, bot tokens) are kept out of anything that gets logged:
 * use `describeConfig` for logs.
 */
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { commaList } from '../protocol/env.js';
import { channelInstances, type ChannelInstance } from './channels/channel-instance.js';
import { DELIVERY_MODES, type DeliveryMode } from './delivery/delivery-mode.js';
import { cpuCount, memoryBytes, type DockerLimits } from './runtime/docker/quantity.js';
import type { LogFormat } from './log.js';

const ResourcesJson = z.strictObject({
  requests: z.record(z.string(), z.string()).optional(),
  limits: z.record(z.string(), z.string()).optional(),
});
const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** LOG_FORMAT (host/log.ts); unset: pretty on a terminal, JSON otherwise. */
export const LogFormatEnv = z.enum(['json', 'pretty'] satisfies LogFormat[]).optional();

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().positive();
const cidr = z.string().refine((c) => {
  const [addr, bits, extra] = c.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^[0-9]+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}, 'must be a list of IP addresses or CIDR ranges');

const HostEnv = z.object({
  NANOCLAW_DATA_DIR: z.string().min(1).default('./data'),
  NANOCLAW_CONFIG_DIR: z.string().min(1).default('./nanoclaw.d'),
  NANOCLAW_PORT: port.default(3000),
  /** The address the web chat binds; anything but loopback requires NANOCLAW_WEB_TOKEN. */
  NANOCLAW_BIND: z.string().min(1).default('127.0.0.1'),
  /** A bearer token for NANOCLAW_WEB_OWNER (the chart's shared token). */
  NANOCLAW_WEB_TOKEN: z.string().min(16).optional(),
  /** The web user the sign-in URL, the data dir's owner token file and NANOCLAW_WEB_TOKEN authenticate as. */
  NANOCLAW_WEB_OWNER: z
    .string()
    .regex(/^web:[^\s]+$/, 'must be a web user id, "web:<name>"')
    .default('web:local'),
  /** Host names (no port) browsers may use besides loopback; others are refused (DNS rebinding). */
  NANOCLAW_WEB_ALLOWED_HOSTS: commaList,
  /** An authenticating proxy's user header (e.g. X-Forwarded-User), trusted only from NANOCLAW_WEB_TRUSTED_PROXIES. */
  NANOCLAW_WEB_PROXY_USER_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .transform((h) => h.toLowerCase())
    .optional(),
  /** Addresses (CIDR or single IPs) the proxy user header is accepted from. */
  NANOCLAW_WEB_TRUSTED_PROXIES: commaList.pipe(z.array(cidr)),
  NANOCLAW_WEB_SESSION_TTL_SECONDS: seconds.default(7 * 24 * 3600),
  NANOCLAW_WEB_SIGN_IN_TTL_SECONDS: seconds.default(15 * 60),
  /** Messages per sender: a token bucket refilled at this rate, holding at most the burst. */
  NANOCLAW_WEB_RATE_PER_MINUTE: z.coerce.number().positive().default(60),
  NANOCLAW_WEB_RATE_BURST: z.coerce.number().int().min(1).default(20),
  /** Open /api/events streams per user and in total. */
  NANOCLAW_WEB_STREAMS_PER_USER: z.coerce.number().int().min(1).default(16),
  NANOCLAW_WEB_STREAMS_TOTAL: z.coerce.number().int().min(1).default(512),
  /** How long the web chat keeps its messages (history, replay), and at most how many per chat. */
  NANOCLAW_WEB_HISTORY_DAYS: z.coerce.number().positive().default(7),
  NANOCLAW_WEB_HISTORY_PER_CHAT: z.coerce.number().int().min(10).default(1000),
  /** The port runners reach the host on (notification channel + credential proxy). 0 = pick a free one. */
  NANOCLAW_RUNNER_PORT: port.default(0),
  NANOCLAW_RUNNER_BIND: z.string().min(1).default('127.0.0.1'),
  /** The port chat platforms push to (Telegram webhook mode, Slack Events API); unset = no listener. */
  NANOCLAW_WEBHOOK_PORT: port.optional(),
  /** The address that listener binds (a tunnel or an Ingress forwards to it). */
  NANOCLAW_WEBHOOK_BIND: z.string().min(1).default('127.0.0.1'),
  /** Largest inbound file the host downloads into a session's inbox (and largest file an agent may send). */
  NANOCLAW_ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  /** The URL runners use to reach the runner port; defaults to http://127.0.0.1:<runner port>. */
  NANOCLAW_RUNNER_HOST_URL: z.url().optional(),
  NANOCLAW_RUNTIME: z.enum(['local-process', 'docker', 'kubernetes']).default('local-process'),
  /** Docker runtime: the runner image (must be in the local engine: never pulled), the CLI, default limits. */
  NANOCLAW_DOCKER_IMAGE: z.string().min(1).optional(),
  NANOCLAW_DOCKER_CLI: z.string().min(1).default('docker'),
  NANOCLAW_DOCKER_MEMORY: z.string().min(1).default('1Gi'),
  NANOCLAW_DOCKER_CPUS: z.string().min(1).default('1'),
  NANOCLAW_DOCKER_PIDS: z.coerce.number().int().min(16).default(512),
  /** Embedded runners: bubblewrap sandbox when it works here (auto), always (bubblewrap), or never (none). */
  NANOCLAW_SANDBOX: z.enum(['auto', 'bubblewrap', 'none']).default('auto'),
  /** Without a sandbox, also serve chats other people can write in (they are refused otherwise). */
  NANOCLAW_UNSANDBOXED_SHARED_CHATS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  NANOCLAW_WATCH_NAMESPACES: z.string().optional(),
  NANOCLAW_IDLE_TIMEOUT_SECONDS: seconds.default(30 * 60),
  NANOCLAW_HEARTBEAT_TIMEOUT_SECONDS: seconds.default(90),
  NANOCLAW_CLAIM_TIMEOUT_SECONDS: seconds.default(30 * 60),
  NANOCLAW_SWEEP_INTERVAL_SECONDS: seconds.default(30),
  /** How long an unknown sender's approval request waits for a decision. */
  NANOCLAW_APPROVAL_TTL_SECONDS: seconds.default(24 * 3600),
  /** Chats seen at run time that no agent serves (a mention/DM in an unknown chat) kept at most; more are ignored. */
  NANOCLAW_MAX_UNWIRED_CHATS: z.coerce.number().int().min(1).default(1000),
  /** Requests waiting for an owner/admin kept at most: sender approvals per agent group, chat registrations. */
  NANOCLAW_MAX_PENDING_REQUESTS: z.coerce.number().int().min(1).default(50),
  /** Runners at once; sessions beyond wait in a first-come queue while idle runners are stopped for them. */
  NANOCLAW_MAX_RUNNERS: z.coerce.number().int().min(1).default(16),
  /** Agent-to-agent messages in one chain (counted from the last person's message) before the host refuses more. */
  NANOCLAW_A2A_MAX_HOPS: z.coerce.number().int().min(1).max(100).default(8),
  /** Sessions quiet for longer are closed (the next message starts a new one); 0 keeps them forever. */
  NANOCLAW_SESSION_RETENTION_DAYS: z.coerce.number().min(0).default(90),
  /** Finished chat messages a session keeps at least in its DBs (older ones are pruned); 0 keeps them all. */
  NANOCLAW_SESSION_KEEP_MESSAGES: z.coerce.number().int().min(0).default(1000),
  /** Chat messages younger than this are never pruned (a redelivered message id is still recognised). */
  NANOCLAW_SESSION_KEEP_DAYS: z.coerce.number().min(0).default(7),
  NANOCLAW_RUNNER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  /** Pre-task scripts: the wait after a task's first failed script run (doubling after each further one). */
  NANOCLAW_TASK_SCRIPT_RETRY_SECONDS: seconds.default(30),
  /** Pre-task scripts: failed runs in a row that pause the task (with a notice in its chat). */
  NANOCLAW_TASK_SCRIPT_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(3),
  /** notify: runners are woken and heard over the notification channel; poll: both sides poll every 1 s. */
  NANOCLAW_DELIVERY_MODE: z.enum(DELIVERY_MODES).default('notify'),
  /** Kubernetes runtime: where runner pods go and what they look like. */
  NANOCLAW_NAMESPACE: z.string().min(1).optional(),
  NANOCLAW_INSTANCE: z.string().min(1).default('nanoclaw'),
  NANOCLAW_RUNNER_IMAGE: z.string().min(1).default('nanoclaw-runner:latest'),
  NANOCLAW_RUNNER_IMAGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  NANOCLAW_DATA_PVC: z.string().min(1).default('nanoclaw-data'),
  NANOCLAW_DATA_ACCESS_MODE: z.enum(['ReadWriteOnce', 'ReadWriteMany']).default('ReadWriteOnce'),
  NODE_NAME: z.string().min(1).optional(),
  NANOCLAW_RUNNER_UID: z.coerce.number().int().min(1).default(1000),
  NANOCLAW_RUNNER_GID: z.coerce.number().int().min(1).default(1000),
  NANOCLAW_RUNNER_RESOURCES: z
    .string()
    .default('{"requests":{"cpu":"100m","memory":"256Mi"},"limits":{"memory":"1Gi"}}')
    .transform((s, ctx) => {
      try {
        return ResourcesJson.parse(JSON.parse(s));
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `must be JSON {requests?, limits?}: ${(err as Error).message}`,
        });
        return z.NEVER;
      }
    }),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
  /** Credential proxy limits, per session: request body size, and a token bucket of model calls. */
  NANOCLAW_PROXY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  NANOCLAW_PROXY_RATE_PER_MINUTE: z.coerce.number().positive().default(120),
  NANOCLAW_PROXY_RATE_BURST: z.coerce.number().int().min(1).default(60),
  NANOCLAW_EGRESS_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  NANOCLAW_EGRESS_MAX_TUNNELS: z.coerce.number().int().min(1).max(1024).default(32),
  NANOCLAW_EGRESS_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(86_400_000).default(600_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: LogFormatEnv,
  TZ: z.string().optional(),
});

export interface HostConfig {
  dataDir: string;
  configDir: string;
  port: number;
  bind: string;
  webToken: string | undefined;
  web: {
    owner: string;
    /** Loopback bind: the start-up line carries a one-time sign-in token and the data dir an owner token file. */
    localSignIn: boolean;
    allowedHosts: string[];
    proxy: { header: string; trusted: string[] } | null;
    sessionTtlMs: number;
    signInTtlMs: number;
    ratePerMinute: number;
    rateBurst: number;
    streamsPerUser: number;
    streamsTotal: number;
    /** Web chat messages are kept this long and at most this many per chat. */
    historyRetentionMs: number;
    historyPerChat: number;
  };
  /** Configured chat bots (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN_<NAME>, …). */
  channels: ChannelInstance[];
  webhook: { port: number; bind: string } | null;
  attachmentMaxBytes: number;
  runnerPort: number;
  runnerBind: string;
  runnerHostUrl: string | undefined;
  runtime: 'local-process' | 'docker' | 'kubernetes';
  /** Docker runtime; runners run as the host's uid/gid, or NANOCLAW_RUNNER_UID/GID when the host is root. */
  docker: { image: string; cli: string; limits: DockerLimits; uid: number; gid: number };
  sandbox: { mode: 'auto' | 'bubblewrap' | 'none'; unsandboxedSharedChats: boolean };
  watchNamespaces: string[];
  idleTimeoutMs: number;
  heartbeatTimeoutMs: number;
  claimTimeoutMs: number;
  sweepIntervalMs: number;
  approvalTtlMs: number;
  intake: { maxUnwiredChats: number; maxPendingRequests: number };
  maxRunners: number;
  a2aMaxHops: number;
  sessionRetentionMs: number;
  sessionKeep: { messages: number; minAgeMs: number };
  runnerPollMs: number;
  taskScriptRetry: { baseMs: number; maxFailures: number };
  deliveryMode: DeliveryMode;
  kubernetes: {
    namespace: string;
    instance: string;
    image: string;
    imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
    pvcName: string;
    accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
    nodeName: string | undefined;
    uid: number;
    gid: number;
    resources: z.infer<typeof ResourcesJson>;
  };
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string;
  proxy: { maxBodyBytes: number; ratePerMinute: number; rateBurst: number };
  /** Egress proxy limits: connect timeout, open tunnels per session, idle time of a tunnel. */
  egress: { connectTimeoutMs: number; maxTunnelsPerSession: number; idleTimeoutMs: number };
  logLevel: z.infer<typeof HostEnv>['LOG_LEVEL'];
  /** LOG_FORMAT; undefined: pretty on a terminal, JSON otherwise (host/log.ts). */
  logFormat: LogFormat | undefined;
  timezone: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function podNamespace(): string {
  try {
    return fs.readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

function dockerLimits(memory: string, cpus: string, pids: number): DockerLimits {
  try {
    return { memory: memoryBytes(memory), cpus: cpuCount(cpus), pids };
  } catch (err) {
    throw new ConfigError(`NANOCLAW_DOCKER_MEMORY/NANOCLAW_DOCKER_CPUS: ${(err as Error).message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const parsed = HostEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  if (!isLoopback(e.NANOCLAW_BIND) && !e.NANOCLAW_WEB_TOKEN) {
    throw new ConfigError(
      `NANOCLAW_WEB_TOKEN: required when the web chat binds ${e.NANOCLAW_BIND} (anything but loopback)`,
    );
  }
  if (e.NANOCLAW_WEB_PROXY_USER_HEADER && e.NANOCLAW_WEB_TRUSTED_PROXIES.length === 0) {
    throw new ConfigError(
      'NANOCLAW_WEB_TRUSTED_PROXIES: required with NANOCLAW_WEB_PROXY_USER_HEADER (the proxy addresses to trust)',
    );
  }
  if (e.NANOCLAW_RUNTIME === 'kubernetes') {
    if (!e.NANOCLAW_RUNNER_HOST_URL) {
      throw new ConfigError(
        'NANOCLAW_RUNNER_HOST_URL: required with NANOCLAW_RUNTIME=kubernetes (the Service runners reach)',
      );
    }
    if (e.NANOCLAW_DATA_ACCESS_MODE === 'ReadWriteOnce' && !e.NODE_NAME) {
      throw new ConfigError(
        'NODE_NAME: required with a ReadWriteOnce data volume (set it from spec.nodeName)',
      );
    }
  }
  if (e.NANOCLAW_RUNTIME === 'docker' && !e.NANOCLAW_DOCKER_IMAGE) {
    throw new ConfigError(
      'NANOCLAW_DOCKER_IMAGE: required with NANOCLAW_RUNTIME=docker (a runner image in the local engine, e.g. ' +
        'docker build --target agent-runner -t nanoclaw-runner:dev .)',
    );
  }
  return {
    dataDir: path.resolve(e.NANOCLAW_DATA_DIR),
    configDir: path.resolve(e.NANOCLAW_CONFIG_DIR),
    port: e.NANOCLAW_PORT,
    bind: e.NANOCLAW_BIND,
    webToken: e.NANOCLAW_WEB_TOKEN,
    web: {
      owner: e.NANOCLAW_WEB_OWNER,
      localSignIn: isLoopback(e.NANOCLAW_BIND),
      allowedHosts: e.NANOCLAW_WEB_ALLOWED_HOSTS,
      proxy: e.NANOCLAW_WEB_PROXY_USER_HEADER
        ? { header: e.NANOCLAW_WEB_PROXY_USER_HEADER, trusted: e.NANOCLAW_WEB_TRUSTED_PROXIES }
        : null,
      sessionTtlMs: e.NANOCLAW_WEB_SESSION_TTL_SECONDS * 1000,
      signInTtlMs: e.NANOCLAW_WEB_SIGN_IN_TTL_SECONDS * 1000,
      ratePerMinute: e.NANOCLAW_WEB_RATE_PER_MINUTE,
      rateBurst: e.NANOCLAW_WEB_RATE_BURST,
      streamsPerUser: e.NANOCLAW_WEB_STREAMS_PER_USER,
      streamsTotal: e.NANOCLAW_WEB_STREAMS_TOTAL,
      historyRetentionMs: e.NANOCLAW_WEB_HISTORY_DAYS * 24 * 3600_000,
      historyPerChat: e.NANOCLAW_WEB_HISTORY_PER_CHAT,
    },
    channels: channelInstances(env),
    webhook:
      e.NANOCLAW_WEBHOOK_PORT === undefined
        ? null
        : { port: e.NANOCLAW_WEBHOOK_PORT, bind: e.NANOCLAW_WEBHOOK_BIND },
    attachmentMaxBytes: e.NANOCLAW_ATTACHMENT_MAX_BYTES,
    runnerPort: e.NANOCLAW_RUNNER_PORT,
    runnerBind: e.NANOCLAW_RUNNER_BIND,
    runnerHostUrl: e.NANOCLAW_RUNNER_HOST_URL,
    runtime: e.NANOCLAW_RUNTIME,
    docker: {
      image: e.NANOCLAW_DOCKER_IMAGE ?? '',
      cli: e.NANOCLAW_DOCKER_CLI,
      limits: dockerLimits(e.NANOCLAW_DOCKER_MEMORY, e.NANOCLAW_DOCKER_CPUS, e.NANOCLAW_DOCKER_PIDS),
      uid: e.NANOCLAW_RUNNER_UID,
      gid: e.NANOCLAW_RUNNER_GID,
    },
    sandbox: { mode: e.NANOCLAW_SANDBOX, unsandboxedSharedChats: e.NANOCLAW_UNSANDBOXED_SHARED_CHATS },
    watchNamespaces: (e.NANOCLAW_WATCH_NAMESPACES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    idleTimeoutMs: e.NANOCLAW_IDLE_TIMEOUT_SECONDS * 1000,
    heartbeatTimeoutMs: e.NANOCLAW_HEARTBEAT_TIMEOUT_SECONDS * 1000,
    claimTimeoutMs: e.NANOCLAW_CLAIM_TIMEOUT_SECONDS * 1000,
    sweepIntervalMs: e.NANOCLAW_SWEEP_INTERVAL_SECONDS * 1000,
    approvalTtlMs: e.NANOCLAW_APPROVAL_TTL_SECONDS * 1000,
    maxRunners: e.NANOCLAW_MAX_RUNNERS,
    a2aMaxHops: e.NANOCLAW_A2A_MAX_HOPS,
    sessionRetentionMs: e.NANOCLAW_SESSION_RETENTION_DAYS * 24 * 3600 * 1000,
    sessionKeep: {
      messages: e.NANOCLAW_SESSION_KEEP_MESSAGES,
      minAgeMs: e.NANOCLAW_SESSION_KEEP_DAYS * 24 * 3600 * 1000,
    },
    intake: {
      maxUnwiredChats: e.NANOCLAW_MAX_UNWIRED_CHATS,
      maxPendingRequests: e.NANOCLAW_MAX_PENDING_REQUESTS,
    },
    runnerPollMs: e.NANOCLAW_RUNNER_POLL_MS,
    taskScriptRetry: {
      baseMs: e.NANOCLAW_TASK_SCRIPT_RETRY_SECONDS * 1000,
      maxFailures: e.NANOCLAW_TASK_SCRIPT_MAX_FAILURES,
    },
    deliveryMode: e.NANOCLAW_DELIVERY_MODE,
    kubernetes: {
      namespace: e.NANOCLAW_NAMESPACE ?? podNamespace(),
      instance: e.NANOCLAW_INSTANCE,
      image: e.NANOCLAW_RUNNER_IMAGE,
      imagePullPolicy: e.NANOCLAW_RUNNER_IMAGE_PULL_POLICY,
      pvcName: e.NANOCLAW_DATA_PVC,
      accessMode: e.NANOCLAW_DATA_ACCESS_MODE,
      nodeName: e.NODE_NAME,
      uid: e.NANOCLAW_RUNNER_UID,
      gid: e.NANOCLAW_RUNNER_GID,
      resources: e.NANOCLAW_RUNNER_RESOURCES,
    },
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    proxy: {
      maxBodyBytes: e.NANOCLAW_PROXY_MAX_BODY_BYTES,
      ratePerMinute: e.NANOCLAW_PROXY_RATE_PER_MINUTE,
      rateBurst: e.NANOCLAW_PROXY_RATE_BURST,
    },
    egress: {
      connectTimeoutMs: e.NANOCLAW_EGRESS_CONNECT_TIMEOUT_MS,
      maxTunnelsPerSession: e.NANOCLAW_EGRESS_MAX_TUNNELS,
      idleTimeoutMs: e.NANOCLAW_EGRESS_IDLE_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    timezone: e.TZ,
  };
}

/**
 * The config as it may appear in a log line: secrets reduced to whether they are set, the Kubernetes and Docker
 * runtimes' settings only when that runtime is used.
 */
export function describeConfig(c: HostConfig): Record<string, unknown> {
  const { anthropicApiKey, webToken, channels, kubernetes, docker, ...rest } = c;
  return {
    ...rest,
    ...(c.runtime === 'kubernetes' ? { kubernetes } : {}),
    ...(c.runtime === 'docker' ? { docker } : {}),
    channels: channels.map((i) => i.channelType),
    anthropicApiKey: anthropicApiKey ? 'set' : 'unset',
    webToken: webToken ? 'set' : 'unset',
  };
}
