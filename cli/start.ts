/** `nanoclaw host` and `nanoclaw start`: run the host until SIGINT/SIGTERM, then shut down gracefully. */
import type { Logger } from 'pino';
import { loadConfig, describeConfig, type HostConfig } from '../host/config.js';
import { startHost, type HostOptions, type RunningHost } from '../host/host.js';
import { DataDirLock } from '../host/data-dir-lock.js';
import { listAgentGroups } from '../host/db/agent-groups.js';
import { listMessagingGroups } from '../host/db/messaging-groups.js';
import { createLogger, defaultLogFormat } from '../host/log.js';
import { checkApiKey } from '../host/runner/api-key-check.js';
import { parse } from './args.js';
import { manifestFileWriter } from './chat-config/file-writer.js';
import { agentManifestWriter } from './agent-config/file-writer.js';
import { startEmbeddedConfig } from './embedded.js';
import { manifestSecrets } from './manifest-secrets.js';
import { bannerText, modelLine, type StartFacts } from './start-banner.js';
import { untilSignal } from './until-signal.js';
import { packageVersion } from './version.js';

const API_KEY_CHECK_TIMEOUT_MS = 5000;

const START_HELP = `Usage: nanoclaw start [--port N] [--data-dir DIR] [--config-dir DIR]

Runs everything on this machine: the host, runners as child processes, the web chat, and a loader that applies
the AgentGroup / MessagingGroup / UserRole YAML files in the config dir (default ./nanoclaw.d; the first run
writes a working example there; edits are applied while it runs). Uses the mock provider unless
ANTHROPIC_API_KEY is set (the key is checked with the model API at start). Prints the web chat's sign-in URL
(http://127.0.0.1:<port>/?token=<one-time token>) on its own line once it accepts messages; open it in a browser.
"nanoclaw chat" finds this host through the data dir and signs in with the owner token file it writes there.
Logs are coloured lines on a terminal and JSON lines otherwise (LOG_FORMAT=json|pretty decides).
`;

const HOST_HELP = `Usage: nanoclaw host [--port N] [--data-dir DIR]

Runs the host service: channels, router, sessions, runners, delivery and the web chat. Its agent groups, chats
and roles come from the central DB, which the operator (or "nanoclaw start") fills.
Prints the web chat URL on its own line once it accepts messages (on loopback, a one-time sign-in URL).
`;

function configFrom(values: { port?: string; 'data-dir'?: string; 'config-dir'?: string }): HostConfig {
  return loadConfig({
    ...process.env,
    ...(values.port !== undefined ? { NANOCLAW_PORT: values.port } : {}),
    ...(values['data-dir'] !== undefined ? { NANOCLAW_DATA_DIR: values['data-dir'] } : {}),
    ...(values['config-dir'] !== undefined ? { NANOCLAW_CONFIG_DIR: values['config-dir'] } : {}),
  });
}

/** Checks the API key with the model API and says what came of it; never throws, never blocks the start. */
async function reportApiKey(config: HostConfig, log: Logger, signal: AbortSignal): Promise<void> {
  if (!config.anthropicApiKey) return;
  const upstream = new URL(config.anthropicBaseUrl).origin;
  const check = await checkApiKey({
    apiKey: config.anthropicApiKey,
    upstream: config.anthropicBaseUrl,
    timeoutMs: API_KEY_CHECK_TIMEOUT_MS,
    signal,
  });
  if (signal.aborted) return;
  if (check.result === 'accepted') log.info({ upstream }, 'ANTHROPIC_API_KEY accepted by the model API');
  else if (check.result === 'refused')
    log.error(
      { upstream, status: check.status, reason: check.message },
      'ANTHROPIC_API_KEY refused by the model API: Claude agents will answer with this error until a valid key is set and the host restarted',
    );
  else log.warn({ reason: check.reason }, 'could not check ANTHROPIC_API_KEY; starting anyway');
}

/** Runs a host until a signal, printing the banner and the URL line. Resolves with the exit code. */
async function runUntilSignal(
  config: HostConfig,
  log: Logger,
  mode: StartFacts['mode'],
  extra: Partial<HostOptions> = {},
  beforeClose: () => Promise<void> = () => Promise.resolve(),
  onReady: (webUrl: string) => void = () => undefined,
): Promise<number> {
  log.debug({ config: describeConfig(config) }, 'configuration');
  const stopCheck = new AbortController();
  void reportApiKey(config, log, stopCheck.signal);
  const host: RunningHost = await startHost({ config, log, ...extra });
  onReady(host.webUrl);
  // Listening for signals before the URL is out: a Ctrl-C right after it must stop the host cleanly.
  const stopped = untilSignal(log, 'host', () => {
    stopCheck.abort();
    return beforeClose().then(() => host.close());
  });
  const facts: StartFacts = {
    version: packageVersion(),
    mode,
    runtime: config.runtime,
    dataDir: config.dataDir,
    configDir: mode === 'embedded' ? config.configDir : null,
    agentGroups: listAgentGroups(host.db).length,
    chats: listMessagingGroups(host.db).length,
    model: modelLine(config),
  };
  if ((config.logFormat ?? defaultLogFormat()) === 'pretty')
    process.stdout.write(bannerText(facts, host.signInUrl, config.web.localSignIn));
  else {
    log.info(facts, 'nanoclaw started');
    process.stdout.write(`${host.signInUrl}\n`);
  }
  return stopped;
}

export async function hostCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' } });
  if (values.help) {
    process.stdout.write(HOST_HELP);
    return 0;
  }
  const config = configFrom(values);
  return runUntilSignal(
    config,
    createLogger(config.logLevel, { format: config.logFormat }),
    'host',
    await hostExtras(config),
  );
}

/**
 * In Kubernetes mode, registered chats and approved agent requests become objects created through the API server, and remote MCP servers'
 * Secret headers are read through it.
 */
async function hostExtras(config: HostConfig): Promise<Partial<HostOptions>> {
  if (config.runtime !== 'kubernetes') return {};
  const [{ KubeConfig }, { kubernetesWriter }, { kubernetesAgentWriter }, { kubeSecrets }] =
    await Promise.all([
      import('@kubernetes/client-node'),
      import('./chat-config/kubernetes-writer.js'),
      import('./agent-config/kubernetes-writer.js'),
      import('../host/mcp/kube-secrets.js'),
    ]);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = config.kubernetes.namespace;
  return {
    chatConfigWriter: kubernetesWriter(kc, namespace),
    agentConfigWriter: kubernetesAgentWriter(kc, namespace),
    secrets: kubeSecrets(kc),
  };
}

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'config-dir': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const config = configFrom(values);
  const lock = DataDirLock.acquire(config.dataDir);
  try {
    const log = createLogger(config.logLevel, { format: config.logFormat });
    const embedded = await startEmbeddedConfig(config, log);
    return await runUntilSignal(
      config,
      log,
      'embedded',
      {
        db: embedded.db,
        chatConfigWriter: manifestFileWriter(config.configDir, () => embedded.sync()),
        agentConfigWriter: agentManifestWriter(config.configDir, () => embedded.sync()),
        secrets: manifestSecrets(config.configDir),
      },
      () => embedded.close(),
      (url) => lock.setUrl(url),
    );
  } finally {
    lock.release();
  }
}
