/**
 * The heartbeat file (<workspace>/.heartbeat). The host's sweep reads its mtime to tell a live runner from a
 * hung one.
 *
 * Invariants:
 * - Touched at start, on a fixed timer while the process lives, and on provider activity (throttled).
 * - A failed touch is logged and never fatal: the host restarts a runner whose heartbeat goes stale anyway.
 */
import fs from 'node:fs';
import type { Logger } from './logger.js';

const HEARTBEAT_INTERVAL_MS = 5_000;
const ACTIVITY_THROTTLE_MS = 1_000;

function touchFile(file: string, now: Date = new Date()): void {
  try {
    fs.utimesSync(file, now, now);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.closeSync(fs.openSync(file, 'a'));
    fs.utimesSync(file, now, now);
  }
}

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  start(): void {
    this.touch();
    this.timer = setInterval(() => this.touch(), this.intervalMs);
  }

  /** Provider activity: touch, at most once a second. */
  activity(): void {
    if (Date.now() - this.last >= ACTIVITY_THROTTLE_MS) this.touch();
  }

  touch(): void {
    try {
      touchFile(this.file);
      this.last = Date.now();
    } catch (err) {
      this.log.warn({ err, file: this.file }, 'heartbeat touch failed');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
