/**
 * The host service, assembled: central DB → channels → router → sessions → runtime → delivery → channels.
 *
 * Invariants:
 * - The graph is built in dependency order — every piece is constructed after what it uses — and the pieces that
 *   react to each other are connected afterwards by subscribing to typed events (runner link → delivery,
 *   delivery → scheduler, runtime exits → token revocation and sweep). Nothing is referenced before it exists.
 * - Start-up order makes sure nothing is accepted before it can be stored; shutdown stops intake first, then
 *   runners, then delivers what they left, then closes the DBs.
 */
import type { Logger } from 'pino';
import { TokenMeter } from './budget/token-meter.js';
import type { ChannelAdapter, InboundMessage } from './channels/adapter.js';
import { MapChannelRegistry } from './channels/adapter.js';
import { IdempotencyKeys } from './channels/web/idempotency-keys.js';
import { WebAdapter } from './channels/web/web-adapter.js';
import { WebEventStore } from './channels/web/web-events.js';
import { createChannels } from './channels/create-channels.js';
import { createWebhookServer } from './channels/webhook-server.js';
import { closeServer, listen } from './http-listen.js';
import { createHostWebServer } from './host-web-server.js';
import type { HostConfig } from './config.js';
import { limitBusyWait, openCentralDb, type CentralDb } from './db/central-db.js';
import { Delivery } from './delivery/delivery.js';
import { deliveryPlan } from './delivery/delivery-mode.js';
import { OutboundPoller } from './delivery/outbound-poller.js';
import { createInboundSink } from './router/inbound-sink.js';
import { Typing } from './delivery/typing.js';
import { FailureNotices } from './delivery/failure-notices.js';
import { newId } from './db/ids.js';
import type { AgentConfigWriter } from './approvals/agent-changes.js';
import { createCardFlows } from './approvals/card-flows.js';
import type { ChatConfigWriter } from './approvals/channel-registrations.js';
import { Metrics } from './metrics.js';
import { routeInbound, type RouteResult } from './router/route-inbound.js';
import { recordMcpNotice } from './runner/mcp-reports.js';
import { RunnerManager } from './runner/runner-manager.js';
import { NO_SECRETS, type SecretSource } from './mcp/secret-source.js';
import { openRunnerPort } from './runner/runner-port.js';
import { createRuntime } from './runtime/create-runtime.js';
import type { AgentRuntime, RuntimeDescription } from './runtime/runtime.js';
import { dataLayout, ensureDataLayout } from './session/layout.js';
import { Waker } from './runner/waker.js';
import { Scheduler } from './schedule/scheduler.js';
import { SessionDbs } from './session/session-dbs.js';
import { InboundFiles } from './session/inbound-files.js';
import { SessionManager } from './session/session-manager.js';
import { getSession } from './session/session-store.js';
import { Sweep } from './sweep/sweep.js';
import { Teardown } from './teardown.js';
import { tellFailures } from './tell-failures.js';
import { writeLocalOwnerToken } from './web-auth/local-owner.js';
import { getAgentGroup } from './db/agent-groups.js';
import type { Session } from './db/schema.js';
import { WebAuth } from './web-auth/web-auth.js';

const DEFAULT_WEB_CHAT = 'main';
/** How many of a web chat's newest messages a client that connects afresh is shown. */
const HISTORY_SHOWN = 200;

export interface HostOptions {
  config: HostConfig;
  log: Logger;
  /** Defaults to the runtime the config names (NANOCLAW_RUNTIME). */
  runtime?: (ctx: { dataDir: string; log: Logger }) => AgentRuntime;
  /** Embedded runtime: run runners with this command, directly (never sandboxed). */
  runnerCommand?: string[];
  /** Channel adapters besides the built-in web chat. */
  channels?: ChannelAdapter[];
  defaultWebChat?: string;
  /** An already open central DB (the embedded mode loads manifests into it before the host starts). */
  db?: CentralDb;
  /** Where registered chats are declared (a manifest file, a Kubernetes object); without one, no registration. */
  chatConfigWriter?: ChatConfigWriter;
  /** Where approved agent requests (create_agent, add_mcp_server) are written; without one, they are refused. */
  agentConfigWriter?: AgentConfigWriter;
  /** Where remote MCP servers' Secret header values are read (the API, the manifest folder); default: nowhere. */
  secrets?: SecretSource;
}

export interface RunningHost {
  webUrl: string;
  /** The start-up line: on loopback, webUrl with a one-time sign-in token for the owner; else webUrl. */
  signInUrl: string;
  runnerUrl: string;
  /** Where runners run and how they are isolated (the start banner shows it). */
  runtime: RuntimeDescription;
  db: CentralDb;
  route(msg: InboundMessage): Promise<RouteResult>;
  close(): Promise<void>;
}

/** Starts the host. When a step fails, what the steps before it opened is closed again, then the error is thrown. */
export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const undo = new Teardown();
  try {
    return await buildHost(opts, undo);
  } catch (err) {
    await undo.run(opts.log);
    throw err;
  }
}

async function buildHost(opts: HostOptions, undo: Teardown): Promise<RunningHost> {
  const { config, log } = opts;
  const layout = dataLayout(config.dataDir);
  ensureDataLayout(layout);
  const db = opts.db ?? openCentralDb(layout.centralDb);
  if (!opts.db) undo.add('central DB', () => db.close());
  limitBusyWait(db);
  const metrics = new Metrics();
  const countInbound = metrics.counter('nanoclaw_inbound_messages_total', 'Inbound chat messages routed');
  const countDropped = metrics.counter(
    'nanoclaw_dropped_messages_total',
    'Inbound messages that reached no agent',
  );
  const countDelivered = metrics.counter(
    'nanoclaw_delivered_messages_total',
    'Messages sent to a channel (origin: agent or host)',
  );

  const web = new WebAdapter({
    events: new WebEventStore(db, {
      retentionMs: config.web.historyRetentionMs,
      perChat: config.web.historyPerChat,
      historyLimit: Math.min(HISTORY_SHOWN, config.web.historyPerChat),
    }),
    keys: new IdempotencyKeys(db),
    log,
  });
  const channels = new MapChannelRegistry([
    web,
    ...(opts.channels ?? (await createChannels(config.channels, log))),
  ]);
  const runtime = opts.runtime
    ? opts.runtime({ dataDir: config.dataDir, log })
    : await createRuntime(config, db, log, opts.runnerCommand);
  undo.add('runtime', () => runtime.close());
  metrics.gauge('nanoclaw_runners', 'Runners currently running', () => runtime.list().length);

  const meter = new TokenMeter({
    db,
    count: metrics.counter(
      'nanoclaw_model_tokens_total',
      'Model API tokens counted by the credential proxy (agent_group; kind: input, output, cache_read, cache_write)',
    ),
    log,
  });
  // The runner port first: runners are told its URL when they start.
  const runnerPort = await openRunnerPort(
    config,
    db,
    runtime,
    log,
    meter,
    metrics,
    opts.secrets ?? NO_SECRETS,
  );
  undo.add('runner port', () => runnerPort.close());
  const { link, url: runnerUrl } = runnerPort;
  const plan = deliveryPlan(config.deliveryMode, config.runnerPollMs);
  const runners = new RunnerManager({
    db,
    layout,
    runtime,
    log,
    hostUrl: runnerUrl,
    hasApiKey: config.anthropicApiKey !== undefined,
    pollIntervalMs: plan.runnerPollMs,
    logLevel: config.logLevel,
    maxRunners: config.maxRunners,
    budget: { meter, checkMs: config.sweepIntervalMs },
  });
  metrics.gauge('nanoclaw_runner_queue_depth', 'Sessions waiting for a runner slot', () =>
    runners.queueDepth(),
  );
  const waker = new Waker(link, runners, plan.inboundNotices, (s) => meter.refusal(s));
  const dbs = new SessionDbs(db, layout, (id) => runtime.isRunning(id));
  const inboundFiles = new InboundFiles(config.dataDir, config.attachmentMaxBytes, log);
  const sessions = new SessionManager(db, dbs, waker, log, inboundFiles);
  const delivery = new Delivery({
    db,
    dbs,
    channels,
    log,
    timezone: config.timezone,
    dataDir: config.dataDir,
    maxFileBytes: config.attachmentMaxBytes,
    agents: { inbox: sessions, maxHops: config.a2aMaxHops },
    scriptRetry: config.taskScriptRetry,
  });
  const typing = new Typing(channels, log);
  /** A message from NanoClaw into a session: never from a person, so it carries no rights. */
  const tellSession = async (session: Session, text: string, wake: boolean): Promise<void> => {
    const content = { text, sender: null, senderName: 'NanoClaw' };
    await sessions.write(session, { id: newId('notice'), kind: 'chat', content, trigger: wake }, wake);
  };
  const tellAgent = async (sessionId: string, text: string): Promise<void> => {
    const session = getSession(db, sessionId);
    if (session?.status === 'active') await tellSession(session, text, true);
  };
  const notices = new FailureNotices({
    db,
    channels,
    send: (m) => delivery.sendFromHost(m),
    tellAgent: (session, text) => tellSession(session, text, false),
    count: metrics.counter(
      'nanoclaw_failure_notices_total',
      'Failures told to people (kind: delivery, processing, runner_start, budget)',
    ),
    log,
  });
  const flows = createCardFlows({
    db,
    channels,
    send: (m) => delivery.sendFromHost(m),
    log,
    ttlMs: config.approvalTtlMs,
    maxPendingRegistrations: config.intake.maxPendingRequests,
    tellAgent,
    ...(opts.chatConfigWriter ? { chatConfigWriter: opts.chatConfigWriter } : {}),
    ...(opts.agentConfigWriter ? { agentConfigWriter: opts.agentConfigWriter } : {}),
  });
  const { approvals, registrations, agentChanges, cards } = flows;
  delivery.on('agentChange', (req) => {
    if (agentChanges) agentChanges.take(req);
    else
      void tellAgent(
        req.session.id,
        `${req.action.action} is not available on this host: it has nowhere to write configuration.`,
      );
  });
  const scheduler = new Scheduler(db, dbs, waker, log);
  const sweep = new Sweep(
    db,
    dbs,
    delivery,
    runners,
    runtime,
    scheduler,
    {
      intervalMs: config.sweepIntervalMs,
      retentionMs: config.sessionRetentionMs,
      keep: config.sessionKeep,
      idleTimeoutMs: config.idleTimeoutMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      claimTimeoutMs: config.claimTimeoutMs,
    },
    log,
  );

  // Everything exists; now connect what reacts to what.
  // A runner's notice must never crash the host: a failed drain is logged; the sweep retries.
  const drain = (sessionId: string) =>
    void delivery
      .drain(sessionId)
      .catch((err: unknown) =>
        log.error({ sessionId, err: (err as Error).message }, 'delivery drain failed'),
      );
  if (plan.drainOnRunnerNotice) link.on('outbound', drain).on('connect', drain);
  const poller = plan.outboundPollMs ? new OutboundPoller(delivery, runtime, plan.outboundPollMs, log) : null;
  link.on('mcp', (sessionId, servers) => recordMcpNotice(db, log, sessionId, servers));
  delivery.on('scheduleChanged', (session) => scheduler.note(session));
  tellFailures({ delivery, sweep, runners, meter }, { notices, typing, db, log });
  const countStartFailures = metrics.counter(
    'nanoclaw_runner_start_failures_total',
    'Runner starts that failed (retried with backoff)',
  );
  runners.on('queued', (_session, waiting) => void sweep.evictIdle(waiting));
  runners.on('startFailed', (session) => countStartFailures({ agent_group: session.agent_group_id }));
  const observeLatency = metrics.histogram(
    'nanoclaw_delivery_latency_seconds',
    "Agent messages: from the runner writing one to the channel taking it (the runner's clock)",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  delivery.on('delivered', (origin, channel, sessionId, latencyMs) => {
    countDelivered({ origin, channel });
    if (latencyMs !== null) observeLatency(latencyMs / 1000);
    // A runner that just answered may be done: a session waiting for a slot can take it.
    if (origin === 'agent' && runners.queueDepth() > 0) void sweep.evictIdle(runners.queueDepth());
    if (sessionId) typing.stop(sessionId);
  });
  runtime.onExit((exit) => {
    typing.stop(exit.sessionId);
    runners.revokeToken(exit.sessionId);
    runners.admitQueued();
    void sweep.onRunnerExit(exit);
  });
  await runtime.start();
  runners.revokeStaleTokens();

  const route = async (msg: InboundMessage): Promise<RouteResult> => {
    countInbound({ channel: msg.channelType });
    const result = await routeInbound(
      {
        db,
        channels,
        sessions,
        replies: delivery,
        approvals,
        registrations: registrations ?? undefined,
        log,
      },
      msg,
    );
    for (const d of result.delivered)
      if (d.wake) {
        const name = getAgentGroup(db, d.agentGroupId)?.name ?? d.agentGroupId;
        typing.start(d.sessionId, msg.replyTo ?? msg, { id: d.agentGroupId, name });
      }
    if (result.dropped && result.delivered.length === 0) countDropped({ reason: result.dropped });
    return result;
  };
  const sink = createInboundSink({
    db,
    channels,
    sessions,
    route,
    send: (m) => delivery.sendFromHost(m),
    cards,
    countPairing: metrics.counter('nanoclaw_pairing_attempts_total', 'Pairing codes received (result)'),
    log,
  });
  for (const adapter of channels.all()) {
    await adapter.start(sink);
    undo.add(`channel ${adapter.channelType}`, () => adapter.stop());
  }
  await delivery.resumeHostMessages();
  undo.add('card flows', () => flows.close());
  await flows.start({ intervalMs: config.sweepIntervalMs, route });

  const webAuth = new WebAuth(db, { ...config.web, ownerToken: config.webToken });
  const webServer = createHostWebServer({
    config,
    db,
    web,
    auth: webAuth,
    sessions,
    cards,
    metrics,
    defaultChat: opts.defaultWebChat ?? DEFAULT_WEB_CHAT,
    log,
  });
  const webPort = await listen(webServer, config.port, config.bind);
  undo.add('web server', () => closeServer(webServer));
  const webhookServer = config.webhook ? createWebhookServer(channels, log) : null;
  if (webhookServer && config.webhook) {
    const port = await listen(webhookServer, config.webhook.port, config.webhook.bind);
    undo.add('webhook server', () => closeServer(webhookServer));
    log.info({ port, bind: config.webhook.bind }, 'webhook listener ready');
  }
  undo.add('timers', () => (scheduler.close(), poller?.close(), runners.close(), sweep.close()));
  scheduler.start();
  sweep.start();
  poller?.start();
  const webHost = config.bind.includes(':') ? `[${config.bind}]` : config.bind;
  const webUrl = `http://${webHost === '0.0.0.0' ? '127.0.0.1' : webHost}:${webPort}/`;
  if (config.web.localSignIn) writeLocalOwnerToken(db, config.dataDir, config.web.owner);
  const signInUrl = config.web.localSignIn ? `${webUrl}?token=${webAuth.issueSignIn()}` : webUrl;
  log.info({ webUrl, runtime: runtime.kind, deliveryMode: config.deliveryMode }, 'host ready');

  let closing: Promise<void> | null = null;
  return {
    webUrl,
    signInUrl,
    runnerUrl,
    runtime: runtime.describe(),
    db,
    route,
    close: () =>
      (closing ??= (async () => {
        for (const adapter of channels.all()) await adapter.stop();
        await closeServer(webServer);
        if (webhookServer) await closeServer(webhookServer);
        await sweep.close();
        poller?.close();
        scheduler.close();
        typing.close();
        flows.close();
        runners.close();
        const active = runtime.list().map((r) => r.sessionId);
        await runtime.close();
        for (const id of active) await delivery.drain(id);
        delivery.close();
        await runnerPort.close();
        dbs.closeAll();
        db.close();
        log.info('host stopped');
      })()),
  };
}
