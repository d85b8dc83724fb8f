/** `nanoclaw host` and `nanoclaw start`: run the host until SIGINT/SIGTERM, then shut down gracefully. */
import type { Logger } from 'pino';
import { loadConfig, describeConfig, type HostConfig } from '../host/config.js';
import { startHost, type HostOptions, type RunningHost } from '../host/host.js';
import { DataDirLock } from '../host/data-dir-lock.js';
import { createLogger } from '../host/log.js';
import { parse } from './args.js';
import { manifestFileWriter } from './chat-config/file-writer.js';
import { startEmbeddedConfig } from './embedded.js';
import { untilSignal } from './until-signal.js';

const START_HELP = `Usage: nanoclaw start [--port N] [--data-dir DIR] [--config-dir DIR]

Runs everything on this machine: the host, runners as child processes, the web chat, and a loader that applies
the AgentGroup / MessagingGroup / UserRole YAML files in the config dir (default ./nanoclaw.d; the first run
writes a working example there; edits are applied while it runs). Uses the mock provider unless
ANTHROPIC_API_KEY is set. Prints the web chat's sign-in URL (http://127.0.0.1:<port>/?token=<one-time token>)
on its own line once it accepts messages; open it in a browser. "nanoclaw chat" signs in with the owner token
file the host writes to the data dir.
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

/** Runs a host until a signal, printing the URL line. Resolves with the exit code. */
async function runUntilSignal(
  config: HostConfig,
  log: Logger,
  extra: Partial<HostOptions> = {},
  beforeClose: () => Promise<void> = () => Promise.resolve(),
  onReady: (webUrl: string) => void = () => undefined,
): Promise<number> {
  log.info({ config: describeConfig(config) }, 'starting host');
  const host: RunningHost = await startHost({ config, log, ...extra });
  onReady(host.webUrl);
  process.stdout.write(`${host.signInUrl}\n`);
  return untilSignal(log, 'host', () => beforeClose().then(() => host.close()));
}

export async function hostCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' } });
  if (values.help) {
    process.stdout.write(HOST_HELP);
    return 0;
  }
  const config = configFrom(values);
  return runUntilSignal(config, createLogger(config.logLevel), await hostExtras(config));
}

/** In Kubernetes mode, registered chats become objects created through the API server. */
async function hostExtras(config: HostConfig): Promise<Partial<HostOptions>> {
  if (config.runtime !== 'kubernetes') return {};
  const [{ KubeConfig }, { kubernetesWriter }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('./chat-config/kubernetes-writer.js'),
  ]);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return { chatConfigWriter: kubernetesWriter(kc, config.kubernetes.namespace) };
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
    const log = createLogger(config.logLevel);
    const embedded = await startEmbeddedConfig(config, log);
    return await runUntilSignal(
      config,
      log,
      { db: embedded.db, chatConfigWriter: manifestFileWriter(config.configDir, () => embedded.sync()) },
      () => embedded.close(),
      (url) => lock.setUrl(url),
    );
  } finally {
    lock.release();
  }
}
