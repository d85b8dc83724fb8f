/**
 * The host's runner port: the HTTP server runners talk to (notification channel, credential and egress proxy), on TCP
 * and — for sandboxed embedded runners (bubblewrap, docker), which have no network — on the data dir's runner
 * socket.
 *
 * Invariant: it is open before any runner starts (runners are told its URL or socket when they start), and
 * closed only after every runner has stopped.
 */
import type { Logger } from 'pino';
import type { HostConfig } from '../config.js';
import type { CentralDb } from '../db/central-db.js';
import { closeServer, listen } from '../http-listen.js';
import { remoteMcpServer } from '../mcp/remote-server.js';
import type { SecretSource } from '../mcp/secret-source.js';
import type { AgentRuntime } from '../runtime/runtime.js';
import { listenRunnerSocket } from '../runtime/runner-socket.js';
import { egressRulesOf } from '../db/agent-groups.js';
import { createEgressProxy } from '../egress/egress-proxy.js';
import type { Metrics } from '../metrics.js';
import type { CredentialProxyOptions } from './credential-proxy.js';
import { RunnerLink } from './runner-link.js';
import { createRunnerServer } from './runner-server.js';
import { authenticateRunner } from './session-token.js';

export interface RunnerPort {
  link: RunnerLink;
  /** The URL runners outside a sandbox reach the port on. */
  url: string;
  close(): Promise<void>;
}

export async function openRunnerPort(
  config: HostConfig,
  db: CentralDb,
  runtime: AgentRuntime,
  log: Logger,
  meter: CredentialProxyOptions['meter'],
  metrics: Metrics,
  secrets: SecretSource,
): Promise<RunnerPort> {
  const link = new RunnerLink(log);
  const countProxy = metrics.counter(
    'nanoclaw_proxy_requests_total',
    'Model API calls through the credential proxy (outcome: forwarded, refused, upstream_error; status)',
  );
  const authenticate = (token: string) => authenticateRunner(db, token);
  const egress = createEgressProxy({
    authenticate,
    rulesOf: (id) => egressRulesOf(db, id),
    secrets,
    maxBodyBytes: config.proxy.maxBodyBytes,
    ...config.egress,
    log,
    countRefused: metrics.counter(
      'nanoclaw_egress_refused_total',
      'Egress tunnels and forwarded requests the egress proxy refused to authenticated runners (agent_group)',
    ),
    countTunnel: metrics.counter(
      'nanoclaw_egress_tunnels_total',
      'Egress tunnels the egress proxy opened (agent_group)',
    ),
    countForwarded: metrics.counter(
      'nanoclaw_egress_requests_total',
      'Plain-http requests the egress proxy forwarded over TLS to a destination with headers and the target answered (agent_group)',
    ),
  });
  const server = createRunnerServer({
    link,
    authenticate,
    proxy: {
      apiKey: config.anthropicApiKey,
      upstream: config.anthropicBaseUrl,
      ...config.proxy,
      log,
      count: countProxy,
      meter,
    },
    egress,
    mcpProxy: {
      upstreamOf: (session, name) => remoteMcpServer(db, session.agent_group_id, name),
      secrets,
      maxBodyBytes: config.proxy.maxBodyBytes,
      log,
    },
    log,
  });
  const port = await listen(server, config.runnerPort, config.runnerBind);
  const sandbox = runtime.describe().sandbox;
  const socket =
    sandbox === 'bubblewrap' || sandbox === 'docker'
      ? await listenRunnerSocket(server, config.dataDir)
      : null;
  return {
    link,
    url: config.runnerHostUrl ?? `http://127.0.0.1:${port}`,
    close: async () => {
      link.close();
      egress.close();
      await closeServer(server);
      await socket?.close();
    },
  };
}
