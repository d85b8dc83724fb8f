/**
 * The host's runner port: the HTTP server runners talk to (notification channel and credential proxy), on TCP
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
  countProxy: CredentialProxyOptions['count'],
  meter: CredentialProxyOptions['meter'],
  secrets: SecretSource,
): Promise<RunnerPort> {
  const link = new RunnerLink(log);
  const server = createRunnerServer({
    link,
    authenticate: (token) => authenticateRunner(db, token),
    proxy: {
      apiKey: config.anthropicApiKey,
      upstream: config.anthropicBaseUrl,
      ...config.proxy,
      log,
      count: countProxy,
      meter,
    },
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
      await closeServer(server);
      await socket?.close();
    },
  };
}
