/**
 * The runner port as a Unix socket, for sandboxed embedded runners that have no network of their own: the
 * sandbox binds this one file, and the runner bridges it to a loopback port inside its own network namespace
 * (container/agent-runner/host-socket-bridge.ts). Connections are handed to the runner port's HTTP server, so
 * the same token checks, channel and credential proxy serve them.
 *
 * Invariants:
 * - The socket lives in <data>/run/, a host-owned directory no runner can write; a file left there by a host
 *   that died is replaced only when it is a socket (anything else is an error naming it).
 * - The path fits the kernel's limit for socket addresses (107 bytes); a longer one is an error saying what to do.
 */
import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ensureDirInside } from '../session/safe-fs.js';

const RUN_DIR = 'run';
const SOCKET_NAME = 'runner.sock';
const MAX_SOCKET_PATH = 107;

/** Where the host listens for sandboxed runners of this data dir. */
export function runnerSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), RUN_DIR, SOCKET_NAME);
}

export interface RunnerSocket {
  /** Stops listening, drops open connections and removes the socket file. */
  close(): Promise<void>;
}

/** Serves `server`'s requests on the data dir's runner socket too; resolves once it listens. */
export async function listenRunnerSocket(server: http.Server, dataDir: string): Promise<RunnerSocket> {
  const file = runnerSocketPath(dataDir);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH)
    throw new Error(
      `the runner socket ${file} is longer than the ${MAX_SOCKET_PATH} bytes a Unix socket path may have: ` +
        'use a shorter NANOCLAW_DATA_DIR (or NANOCLAW_SANDBOX=none)',
    );
  ensureDirInside(dataDir, RUN_DIR);
  const old = fs.lstatSync(file, { throwIfNoEntry: false });
  if (old && !old.isSocket()) throw new Error(`${file} exists and is not a socket: remove it`);
  if (old) fs.rmSync(file);
  const open = new Set<net.Socket>();
  const socketServer = net.createServer((conn) => {
    open.add(conn);
    conn.on('close', () => open.delete(conn));
    server.emit('connection', conn);
  });
  await new Promise<void>((resolve, reject) => {
    socketServer.once('error', reject);
    socketServer.listen(file, () => {
      socketServer.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(file, 0o600);
  return {
    close: () =>
      new Promise((resolve) => {
        socketServer.close(() => resolve());
        for (const conn of open) conn.destroy();
      }),
  };
}
