/** Starting and stopping the host's HTTP listeners (web chat, runner port, webhooks). */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Resolves with the port actually bound (port 0 picks a free one); rejects on EADDRINUSE and the like. */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting and drops open connections (event streams would keep it open otherwise). */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
