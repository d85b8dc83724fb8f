/**
 * The agent-runner process: `node dist/container/agent-runner/main.js`, started by the host (local-process
 * runtime) or as a pod, with the RunnerEnv variables and cwd = the workspace.
 *
 * Start-up order (each step's invariant):
 * 1. Parse the env; a bad variable exits 1 naming it, before anything is touched.
 * 2. Create/open outbound.db and delete every 'processing' ack: a previous run's claims become eligible again.
 * 3. Touch the heartbeat, then keep touching it (timer + provider activity).
 * 4. Open the notification channel when NANOCLAW_HOST_URL is set (polling alone works without it).
 * 5. Wait for the host's inbound.db, then run the poll loop.
 * Exit: SIGTERM/SIGINT or a host shutdown notice stop taking batches, let the current turn finish (up to a grace
 * period, then abort it without writing), close everything and exit 0. A second signal aborts at once.
 */
import fs from 'node:fs';
import { openOutboundForRunner } from '../../protocol/session-db.js';
import { ConfigError, loadConfig, type RunnerConfig } from './config.js';
import { Heartbeat } from './heartbeat.js';
import { HostChannel } from './host-channel.js';
import { InboundReader } from './inbound-reader.js';
import { createLogger, type Logger } from './logger.js';
import { OutboundWriter } from './outbound-writer.js';
import { PollLoop } from './poll-loop.js';
import { createProvider } from './providers/index.js';
import { TurnRunner } from './turn.js';
import { WakeSignal } from './wake-signal.js';

export const SHUTDOWN_GRACE_MS = 20_000;
export const INBOUND_WAIT_MS = 120_000;

let log: Logger | undefined;

function failStart(message: string): number {
  const line = JSON.stringify({ level: 60, time: Date.now(), component: 'agent-runner', msg: message });
  process.stdout.write(`${line}\n`);
  process.stderr.write(`agent-runner: ${message}\n`);
  return 1;
}

async function main(): Promise<number> {
  let config: RunnerConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) return failStart(err.message);
    throw err;
  }
  const logger = createLogger(config.logLevel, config.sessionId, config.agentGroupId);
  log = logger;
  const wake = new WakeSignal();
  const startup = new AbortController();
  let loop: PollLoop | null = null;
  let stopRequested = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const shutdown = (reason: string): void => {
    if (stopRequested) {
      logger.warn({ reason }, 'second stop request: aborting the current turn');
      loop?.abort();
      return;
    }
    stopRequested = true;
    logger.info({ reason, busy: loop?.busy ?? false }, 'stopping after the current turn');
    startup.abort();
    loop?.stop();
    graceTimer = setTimeout(() => {
      logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'turn still running after the grace period: aborting it');
      loop?.abort();
    }, SHUTDOWN_GRACE_MS);
    graceTimer.unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const { paths } = config;
  fs.mkdirSync(paths.root, { recursive: true });
  const outboundDb = openOutboundForRunner(paths.outboundDb);
  let reader: InboundReader | null = null;
  let channel: HostChannel | null = null;
  const writer = new OutboundWriter(
    outboundDb,
    () => reader?.maxSeq() ?? 0,
    (seq) => channel?.notifyOutbound(seq),
  );
  const cleared = writer.clearStaleProcessing();
  logger.info(
    {
      provider: config.provider,
      clearedClaims: cleared,
      workspace: paths.root,
      channel: Boolean(config.hostUrl),
    },
    'agent-runner starting',
  );
  const heartbeat = new Heartbeat(paths.heartbeat, logger);
  heartbeat.start();

  if (config.hostUrl && config.sessionToken) {
    channel = new HostChannel({
      hostUrl: config.hostUrl,
      token: config.sessionToken,
      log: logger.child({ part: 'channel' }),
      onNotice: (n) => {
        if (n.type === 'inbound') wake.wake();
        else if (n.type === 'shutdown') shutdown(`host: ${n.reason}`);
      },
      onConnected: () => wake.wake(),
    });
    channel.start();
  }

  const cleanup = async (): Promise<void> => {
    clearTimeout(graceTimer);
    heartbeat.stop();
    await channel?.close();
    reader?.close();
    outboundDb.close();
  };

  try {
    reader = await InboundReader.open(paths.inboundDb, paths.outboundDb, {
      pollMs: Math.min(config.pollIntervalMs, 200),
      timeoutMs: INBOUND_WAIT_MS,
      signal: startup.signal,
    });
    if (!reader) {
      logger.info('stopped before inbound.db appeared');
      return 0;
    }
    const provider = await createProvider(config, logger);
    const turns = new TurnRunner({
      inbound: reader,
      outbound: writer,
      provider,
      adminUserIds: config.adminUserIds,
      inboundSignal: wake,
      pollIntervalMs: config.pollIntervalMs,
      onActivity: () => heartbeat.activity(),
      log: logger,
    });
    loop = new PollLoop({
      inbound: reader,
      outbound: writer,
      turns,
      wake,
      maxBatch: config.maxBatch,
      pollIntervalMs: config.pollIntervalMs,
      log: logger,
    });
    if (stopRequested) loop.stop();
    logger.info('agent-runner ready');
    await loop.run();
    await provider.close?.();
    logger.info('agent-runner stopped');
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (log) log.fatal({ err }, 'agent-runner failed');
    else failStart(`agent-runner failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
