/**
 * A list+watch cache for one collection that never gives up.
 *
 * Invariants:
 * - Built on client-node's ListWatch (what its makeInformer builds). Any error (list or watch) restarts it after an
 *   exponential, jittered backoff (1 s → 30 s); a restarted watch resumes from the last resourceVersion, and a 410
 *   Gone relists inside ListWatch, reporting only the difference.
 * - `relist()` is the watchdog: it lists into a fresh ListWatch and swaps it in only if that list succeeded, then
 *   reports objects that disappeared in between as deletions. A watch that silently hung is replaced this way.
 *   The fresh cache announces every object it listed as 'add': consumers treat 'add' and 'update' alike.
 * - `hasSynced()` turns true after the first successful list and stays true (the cache may be stale, never empty
 *   by mistake), so pruning based on it never deletes rows of objects that still exist.
 * - Time comes only from `clock` and the API server only through `list` and `watch`: a test drives every list,
 *   watch event and backoff by hand (kube/informer.test.ts).
 */
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorText } from './errors.js';

export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export type InformerEvent = 'add' | 'update' | 'delete';

/** Timers and jitter of the restart backoff. */
export interface BackoffClock {
  /** Runs `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  /** Uniform in [0, 1): spreads the delay over 0.75–1.25 of its nominal value. */
  random(): number;
}

const realClock: BackoffClock = {
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  random: Math.random,
};

export interface InformerOptions<T extends KubernetesObject> {
  /** For logs, e.g. `AgentGroup/team-a`. */
  name: string;
  kc: KubeConfig;
  /** Collection path, e.g. /apis/nanoclaw.dev/v1alpha1/namespaces/x/agentgroups. */
  path: string;
  /** Restricts the watch (and must match the list) to these labels. */
  labelSelector?: string;
  list: () => Promise<ObjectList<T>>;
  onEvent: (event: InformerEvent, obj: T) => void;
  log: Logger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** The watch client (default: client-node's Watch on `kc`). */
  watch?: Watch;
  /** Default: real timers and Math.random. */
  clock?: BackoffClock;
}

interface Instance<T extends KubernetesObject> {
  informer: ListWatch<T>;
  /** Successful lists so far. */
  lists: () => number;
  /** Silences a ListWatch that lost the swap or was replaced. */
  retire: () => void;
}

export class ResilientInformer<T extends KubernetesObject> {
  private current: Instance<T> | undefined;
  private synced = false;
  private stopped = false;
  private failures = 0;
  private cancelRestart: (() => void) | undefined;
  private syncWaiters: (() => void)[] = [];
  private readonly watch: Watch;
  private readonly clock: BackoffClock;

  constructor(private readonly opts: InformerOptions<T>) {
    this.watch = opts.watch ?? new Watch(opts.kc);
    this.clock = opts.clock ?? realClock;
  }

  start(): void {
    this.stopped = false;
    this.current = this.create();
    void this.run(this.current);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first successful list (or when stopped). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  list(): readonly T[] {
    return this.current?.informer.list() ?? [];
  }

  get(name: string, namespace: string): T | undefined {
    return this.current?.informer.get(name, namespace);
  }

  /** Lists afresh and swaps the new cache in; objects gone meanwhile are reported as deleted. */
  async relist(): Promise<boolean> {
    if (this.stopped) return false;
    const fresh = this.create();
    await fresh.informer.start();
    if (fresh.lists() === 0 || this.stopped) {
      fresh.retire();
      await fresh.informer.stop();
      return false;
    }
    const old = this.current;
    this.current = fresh;
    this.markSynced();
    if (old) {
      old.retire();
      await old.informer.stop();
      for (const obj of old.informer.list()) {
        const { name, namespace } = obj.metadata ?? {};
        if (name && !fresh.informer.get(name, namespace)) this.opts.onEvent('delete', obj);
      }
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRestart?.();
    for (const w of this.syncWaiters.splice(0)) w();
    this.current?.retire();
    await this.current?.informer.stop();
  }

  /** Starts (or restarts) a ListWatch; it counts as synced once a list has landed in its cache. */
  private async run(inst: Instance<T>): Promise<void> {
    const before = inst.lists();
    await inst.informer.start();
    if (inst.lists() > before && inst === this.current) this.markSynced();
  }

  private create(): Instance<T> {
    let lists = 0;
    let retired = false;
    const listFn: ListPromise<T> = async () => {
      const list = await this.opts.list();
      lists++;
      return list;
    };
    const informer = new ListWatch<T>(this.opts.path, this.watch, listFn, false, this.opts.labelSelector);
    const inst: Instance<T> = {
      informer,
      lists: () => lists,
      retire: () => {
        retired = true;
      },
    };
    const forward = (event: InformerEvent) => (obj: T) => {
      if (!retired) this.opts.onEvent(event, obj);
    };
    informer.on('add', forward('add'));
    informer.on('update', forward('update'));
    informer.on('delete', forward('delete'));
    informer.on('error', (err: unknown) => {
      if (!retired && inst === this.current) this.scheduleRestart(inst, err);
    });
    return inst;
  }

  private markSynced(): void {
    this.failures = 0;
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private scheduleRestart(inst: Instance<T>, err: unknown): void {
    if (this.stopped) return;
    this.failures++;
    const base = this.opts.initialBackoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, base * 2 ** (this.failures - 1)) * (0.75 + this.clock.random() * 0.5);
    this.opts.log.warn(
      {
        informer: this.opts.name,
        attempt: this.failures,
        retryInMs: Math.round(delay),
        reason: errorText(err),
      },
      'list/watch failed; restarting',
    );
    this.cancelRestart?.();
    this.cancelRestart = this.clock.after(delay, () => {
      if (!this.stopped && inst === this.current) void this.run(inst);
    });
  }
}
