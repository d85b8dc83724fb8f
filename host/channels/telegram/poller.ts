/**
 * Long polling (getUpdates) for one bot token.
 *
 * Invariants:
 * - One poller per token in this process: a second `start` for a token already polled throws; the same
 *   poller started twice is one loop. (Across processes Telegram itself answers 409 Conflict; that is logged
 *   and retried with backoff, never fatal.)
 * - The offset moves past an update only after its handler resolved (the sink accepted or deliberately dropped
 *   it). A handler that throws leaves the offset where it is: the update comes again after a backoff.
 * - `stop` aborts the pending getUpdates and any backoff wait, lets the update in hand finish, then confirms the
 *   offset to Telegram (getUpdates with timeout 0) so a restart does not see handled updates again.
 * - Every failure (network, 5xx, malformed response) is logged and retried with capped exponential backoff.
 */
import { createHash } from 'node:crypto';
import type { Api } from 'grammy';
import type { Logger } from 'pino';
import { Backoff, type BackoffMs } from './backoff.js';

const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'] as const;
const CONFIRM_TIMEOUT_MS = 5000;
const polled = new Set<string>();
/** grammY types its signal as the abort-controller shim's; Node's own AbortSignal is what it uses at run time. */
type GrammySignal = Parameters<Api['getUpdates']>[1];

export interface PollerOptions {
  api: Api;
  token: string;
  /** Names the token in errors: TELEGRAM_BOT_TOKEN[_<NAME>]. */
  tokenKey: string;
  log: Logger;
  timeoutSeconds: number;
  backoff: BackoffMs;
  /** Runs before each poll until it first succeeds (getMe, deleteWebhook). */
  prepare(signal: AbortSignal): Promise<void>;
  handle(update: unknown): Promise<void>;
}

export class Poller {
  private readonly key: string;
  private offset: number | undefined;
  private requested: number | undefined;
  private loop: Promise<void> | null = null;
  private controller = new AbortController();

  constructor(private readonly opts: PollerOptions) {
    this.key = createHash('sha256').update(opts.token).digest('hex');
  }

  start(): void {
    if (this.loop) return;
    if (polled.has(this.key))
      throw new Error(`${this.opts.tokenKey}: this bot token is already polled by another Telegram channel`);
    polled.add(this.key);
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    if (!this.loop) return;
    this.controller.abort();
    await this.loop;
    this.loop = null;
    polled.delete(this.key);
    await this.confirm();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { api, log } = this.opts;
    const backoff = new Backoff(this.opts.backoff);
    while (!signal.aborted) {
      try {
        await this.opts.prepare(signal);
        this.requested = this.offset;
        const updates: unknown = await api.getUpdates(
          { offset: this.offset, timeout: this.opts.timeoutSeconds, allowed_updates: [...ALLOWED_UPDATES] },
          signal as GrammySignal,
        );
        if (!Array.isArray(updates)) throw new Error('getUpdates did not return a list');
        backoff.reset();
        for (const update of updates as unknown[]) {
          if (signal.aborted) break;
          await this.opts.handle(update);
          const id = (update as { update_id?: unknown } | null)?.update_id;
          if (Number.isInteger(id)) this.offset = Math.max(this.offset ?? 0, (id as number) + 1);
        }
      } catch (err) {
        if (signal.aborted) break;
        log.warn({ err: (err as Error).message }, 'telegram polling failed; retrying');
        await backoff.wait(signal);
      }
    }
  }

  private async confirm(): Promise<void> {
    if (this.offset === undefined || this.offset === this.requested) return;
    try {
      await this.opts.api.getUpdates(
        { offset: this.offset, limit: 1, timeout: 0 },
        AbortSignal.timeout(CONFIRM_TIMEOUT_MS) as GrammySignal,
      );
      this.requested = this.offset;
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'telegram: could not confirm the update offset');
    }
  }
}
