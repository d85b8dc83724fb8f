/**
 * A sandboxed runner has no network but its own loopback; the host's runner port reaches it as a Unix socket
 * (NANOCLAW_HOST_SOCKET). This bridge listens on an ephemeral port of that private loopback and pipes every
 * connection to the socket, so everything that wants a URL — the notification channel, and the Claude Code
 * process behind ANTHROPIC_BASE_URL — gets one.
 *
 * Invariants: it listens on 127.0.0.1 only (the sandbox's own loopback, which nothing outside can reach), and a
 * failing side of a connection closes the other; the bridge itself never throws after it listens.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { RUNNER_ENV } from '../../protocol/env.js';

/** The socket named by NANOCLAW_HOST_SOCKET does not answer. */
export class BridgeError extends Error {}

/** Listens on 127.0.0.1:0 and pipes each connection to `socketPath`; resolves to the bridge's URL. */
function bridgeHostSocket(socketPath: string): Promise<{ url: string; server: net.Server }> {
  const server = net.createServer((client) => {
    const host = net.connect(socketPath);
    const drop = () => {
      client.destroy();
      host.destroy();
    };
    client.on('error', drop).on('close', drop);
    host.on('error', drop).on('close', drop);
    client.pipe(host).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      server.unref();
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server });
    });
  });
}

/**
 * The environment the runner's config reads: with NANOCLAW_HOST_SOCKET set, NANOCLAW_HOST_URL becomes the
 * bridge's URL (the socket is checked to answer first, so a missing one fails the start with its path).
 */
export async function withHostBridge(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const socketPath = env[RUNNER_ENV.hostSocket];
  if (!socketPath) return env;
  await new Promise<void>((resolve, reject) => {
    const probe = net.connect(socketPath, () => {
      probe.end();
      resolve();
    });
    probe.on('error', (err) =>
      reject(new BridgeError(`${RUNNER_ENV.hostSocket}=${socketPath}: cannot connect (${err.message})`)),
    );
  });
  const { url } = await bridgeHostSocket(socketPath);
  const { [RUNNER_ENV.hostSocket]: _socket, ...rest } = env;
  return { ...rest, [RUNNER_ENV.hostUrl]: url };
}
