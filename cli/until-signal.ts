/**
 * Keeps a long-running verb (`start`, `host`, `operator`) alive until SIGINT or SIGTERM, then runs its shutdown
 * once. Resolves with the process exit code: 0 after a clean shutdown, 1 when the shutdown failed.
 */
import type { Logger } from 'pino';

export function untilSignal(log: Logger, what: string, shutdown: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, `${what} shutting down`);
      shutdown().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err: (err as Error).message }, `${what} shutdown failed`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
