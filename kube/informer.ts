/**
 * A list+watch cache for one collection that never gives up.
 *
 * Invariants:
 * - Built on client-node's makeInformer (ListWatch). Any error (list or watch) restarts it after an exponential,
 *   jittered backoff (1 s → 30 s); a 410 Gone relists inside ListWatch.
 * - `relist()` is the watchdog: it lists into a fresh ListWatch and swaps it in only if that list succeeded, then
 *   reports objects that disappeared in between as deletions. A watch that silently hung is replaced this way.
 * - `hasSynced()` turns true after the first successful list and stays true (the cache may be stale, never empty
 *   by mistake), so pruning based on it never deletes rows of objects that still exist.
 */
import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorText } from './errors.js';

export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export type InformerEvent = 'add' | 'update' | 'delete';

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
}

type ListWatch<T extends KubernetesObject> = ReturnType<typeof makeInformer<T>>;
type ListFn<T extends KubernetesObject> = Parameters<typeof makeInformer<T>>[2];

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
  private restartTimer: NodeJS.Timeout | undefined;
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly opts: InformerOptions<T>) {}

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
    if (this.restartTimer) clearTimeout(this.restartTimer);
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
    const listFn: ListFn<T> = async () => {
      const list = await this.opts.list();
      lists++;
      return list;
    };
    const informer = makeInformer<T>(this.opts.kc, this.opts.path, listFn, this.opts.labelSelector);
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
    const delay = Math.min(max, base * 2 ** (this.failures - 1)) * (0.75 + Math.random() * 0.5);
    this.opts.log.warn(
      {
        informer: this.opts.name,
        attempt: this.failures,
        retryInMs: Math.round(delay),
        reason: errorText(err),
      },
      'list/watch failed; restarting',
    );
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.stopped && inst === this.current) void this.run(inst);
    }, delay);
  }
}
