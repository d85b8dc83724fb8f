/**
 * The agent-runner process: `node dist/container/agent-runner/main.js`, started by the host (local-process
 * runtime) or as a pod, with the RunnerEnv variables and cwd = the workspace.
 *
 * Start-up order (each step's invariant):
 * 1. Parse the env (with NANOCLAW_HOST_SOCKET: bridge the host's socket to a loopback URL first); a bad variable
 *    or an unreachable socket exits 1 naming it, before anything is touched. With NANOCLAW_EGRESS_PROXY=1 the
 *    proxy variables for tools are set (egress-env.ts).
 * 2. Create/open outbound.db and delete every 'processing' ack: a previous run's claims become eligible again.
 * 3. Touch the heartbeat, then keep touching it (timer + provider activity).
 * 4. Open the notification channel when NANOCLAW_HOST_URL is set (polling alone works without it).
 * 5. Wait for the host's inbound.db; then build the writer (above both files' seqs), check the agent group's MCP
 *    servers (mcp/probe.ts; the report goes to the host), build the provider, the turns and the poll loop, and
 *    run it.
 * Each part is built after what it needs; a part needed by one built earlier is linked by subscription once it
 * exists (the writer's commits → the channel, stop requests → the poll loop).
 * Exit: SIGTERM/SIGINT or a host shutdown notice stop taking batches, let the current turn finish (up to a grace
 * period, then abort it without writing), close everything and exit 0. A second signal aborts at once
 * (shutdown.ts). An unexpected error is logged as fatal and exits 1.
 */
import fs from 'node:fs';
import { openOutboundForRunner } from '../../protocol/session-db.js';
import { ConfigError, loadConfig, type RunnerConfig } from './config.js';
import { Heartbeat } from './heartbeat.js';
import { egressProxyEnv } from './egress-env.js';
import { BridgeError, withHostBridge } from './host-socket-bridge.js';
import { HostChannel } from './host-channel.js';
import { InboundReader } from './inbound-reader.js';
import { createLogger, type Logger } from './logger.js';
import { probeMcpServers } from './mcp/probe.js';
import { pruneOutbound } from './outbound-prune.js';
import { clearStaleClaims, OutboundWriter } from './outbound-writer.js';
import { PollLoop } from './poll-loop.js';
import { createProvider } from './providers/index.js';
import { ScriptReports } from './script-reports.js';
import { taskScripts } from './task-script.js';
import { Shutdown } from './shutdown.js';
import { TurnRunner } from './turn.js';
import { WakeSignal } from './wake-signal.js';

export const SHUTDOWN_GRACE_MS = 20_000;
export const INBOUND_WAIT_MS = 120_000;

function failStart(message: string): number {
  const line = JSON.stringify({ level: 60, time: Date.now(), component: 'agent-runner', msg: message });
  process.stdout.write(`${line}\n`);
  process.stderr.write(`agent-runner: ${message}\n`);
  return 1;
}

/** The agent's working directory: its folder when mounted, else the workspace. */
function agentCwd(config: RunnerConfig): string {
  return fs.existsSync(config.paths.agent) ? config.paths.agent : config.paths.root;
}

async function main(): Promise<number> {
  let config: RunnerConfig;
  try {
    config = loadConfig(await withHostBridge(process.env));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof BridgeError) return failStart(err.message);
    throw err;
  }
  const logger = createLogger(config.logLevel, config.sessionId, config.agentGroupId);
  if (config.egressProxy && config.hostUrl && config.sessionToken) {
    // Inherited by everything the runner starts; pre-task scripts drop them again (task-script.ts).
    Object.assign(process.env, egressProxyEnv(config.hostUrl, config.sessionToken));
    logger.info('egress proxy set for tools (HTTPS_PROXY)');
  }
  try {
    return await run(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'agent-runner failed');
    return 1;
  }
}

async function run(config: RunnerConfig, logger: Logger): Promise<number> {
  const shutdown = new Shutdown(logger, SHUTDOWN_GRACE_MS);
  process.on('SIGTERM', () => shutdown.request('SIGTERM'));
  process.on('SIGINT', () => shutdown.request('SIGINT'));

  const { paths } = config;
  fs.mkdirSync(paths.root, { recursive: true });
  const outboundDb = openOutboundForRunner(paths.outboundDb);
  const cleared = clearStaleClaims(outboundDb);
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

  const wake = new WakeSignal();
  const channel =
    config.hostUrl && config.sessionToken
      ? new HostChannel({
          hostUrl: config.hostUrl,
          token: config.sessionToken,
          log: logger.child({ part: 'channel' }),
          onNotice: (n) => {
            if (n.type === 'inbound') wake.wake();
            else if (n.type === 'shutdown') shutdown.request(`host: ${n.reason}`);
          },
          onConnected: () => wake.wake(),
        })
      : null;
  channel?.start();

  try {
    const reader = await InboundReader.open(paths.inboundDb, paths.outboundDb, {
      pollMs: Math.min(config.pollIntervalMs, 200),
      timeoutMs: INBOUND_WAIT_MS,
      signal: shutdown.signal,
    });
    if (!reader) {
      logger.info('stopped before inbound.db appeared');
      return 0;
    }
    try {
      const pruned = pruneOutbound(outboundDb, reader);
      if (pruned.replies + pruned.acks > 0) logger.info(pruned, 'pruned delivered replies and finished acks');
      const writer = new OutboundWriter(outboundDb, () => reader.maxSeq());
      if (channel) writer.on('commit', (seq) => channel.notifyOutbound(seq));
      const mcp = await probeMcpServers(config.mcpServers, agentCwd(config), logger);
      if (mcp.reports.length) channel?.reportMcp(mcp.reports);
      const provider = await createProvider(config, logger, mcp);
      const reports = new ScriptReports(reader, writer, logger);
      const turns = new TurnRunner({
        inbound: reader,
        outbound: writer,
        provider,
        adminUserIds: config.adminUserIds,
        inboundSignal: wake,
        outboxDir: paths.outbox,
        pollIntervalMs: config.pollIntervalMs,
        maxBatch: config.maxBatch,
        draining: shutdown.signal,
        onActivity: () => heartbeat.activity(),
        scripts: taskScripts(config.provider, process.env, agentCwd(config)),
        scriptReports: reports,
        log: logger,
      });
      const loop = new PollLoop({
        inbound: reader,
        outbound: writer,
        turns,
        reports,
        wake,
        maxBatch: config.maxBatch,
        pollIntervalMs: config.pollIntervalMs,
        log: logger,
      });
      shutdown.on('stop', () => loop.stop());
      shutdown.on('abort', () => loop.abort());
      logger.info('agent-runner ready');
      await loop.run();
      await provider.close?.();
      logger.info('agent-runner stopped');
      return 0;
    } finally {
      reader.close();
    }
  } finally {
    shutdown.dispose();
    heartbeat.stop();
    await channel?.close();
    outboundDb.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    failStart(`agent-runner failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
