/**
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go does it.
 *
 * Invariants:
 * - Only the holder of an unexpired Lease leads. A candidate takes the Lease only when the holder is empty or the
 *   holder has not renewed for leaseDuration *as observed locally* (no clock comparison across machines).
 * - Every write carries the resourceVersion it read (optimistic concurrency): of two candidates racing, one wins.
 * - The leader renews every retryPeriod; when it cannot renew for renewDeadline it stops leading before anyone else
 *   may take over (renewDeadline < leaseDuration).
 * - A graceful stop releases the Lease (empty holder) so a follower takes over at once.
 * - Nothing is requested before `start()`: 'started'/'stopped' subscribers added before it see every transition.
 */
import type { V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorText, statusCode } from '../../kube/errors.js';
import type { KubeApis } from './api.js';

export interface LeaderOptions {
  apis: KubeApis;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  /** Default 15 s. */
  leaseDurationSeconds?: number;
  /** Default 2/3 of the lease duration. */
  renewDeadlineMs?: number;
  /** Default 2 s (or lease duration / 4, if smaller). */
  retryPeriodMs?: number;
}

export type LeadershipEvent = 'started' | 'stopped';

/** MicroTime as the API server wants it (RFC 3339 with microseconds). */
function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private observed: { key: string; at: number } | undefined;
  private lastContact = 0;
  private running: Promise<void> | undefined;
  private readonly durationS: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly subscribers: Record<LeadershipEvent, (() => void)[]> = { started: [], stopped: [] };

  constructor(private readonly opts: LeaderOptions) {
    this.durationS = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? Math.floor((this.durationS * 1000 * 2) / 3);
    this.retryMs = opts.retryPeriodMs ?? Math.min(2000, Math.floor((this.durationS * 1000) / 4));
  }

  /** 'started' when this process takes the Lease, 'stopped' when it loses or releases it. */
  on(event: LeadershipEvent, fn: () => void): void {
    this.subscribers[event].push(fn);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The API server answered a Lease request recently (a healthy follower or leader). */
  isHealthy(): boolean {
    return Date.now() - this.lastContact < this.durationS * 1000;
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.attempt().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.retryMs);
    });
  }

  private lease(holder: string, transitions: number, acquire: Date | undefined, prev?: V1Lease): V1Lease {
    const now = new Date();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.opts.name,
        namespace: this.opts.namespace,
        resourceVersion: prev?.metadata?.resourceVersion,
      },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: this.durationS,
        // MicroTime strings pass through the client's serializer unchanged.
        acquireTime: (acquire ? microTime(acquire) : prev?.spec?.acquireTime) as unknown as Date,
        renewTime: microTime(now) as unknown as Date,
        leaseTransitions: transitions,
      },
    };
  }

  private async attempt(): Promise<void> {
    const { apis, namespace, name, identity, log } = this.opts;
    try {
      let current: V1Lease | undefined;
      try {
        current = await apis.readLease(namespace, name, this.callTimeoutMs());
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
      this.lastContact = Date.now();
      if (!current) {
        await apis.createLease(namespace, this.lease(identity, 0, new Date()), this.callTimeoutMs());
        return this.renewed();
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder === identity) {
        await apis.replaceLease(
          namespace,
          name,
          this.lease(identity, spec.leaseTransitions ?? 0, undefined, current),
        );
        return this.renewed();
      }
      // Someone else (or nobody) holds it: watch for it to expire, measured on our own clock.
      const key = `${holder}|${String(spec.renewTime)}|${current.metadata?.resourceVersion}`;
      if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
      const expired =
        !holder || Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? this.durationS) * 1000;
      if (this.leading) this.lose(`lease is held by ${holder || 'nobody'}`);
      if (!expired) return;
      await apis.replaceLease(
        namespace,
        name,
        this.lease(identity, (spec.leaseTransitions ?? 0) + 1, new Date(), current),
      );
      log.info({ lease: `${namespace}/${name}`, previous: holder || null }, 'acquired the lease');
      return this.renewed();
    } catch (err) {
      if (statusCode(err) === 409) return; // lost a race; try again next period
      log.warn({ lease: `${namespace}/${name}`, reason: errorText(err) }, 'lease request failed');
      if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs)
        this.lose('could not renew the lease in time');
    }
  }

  /** Lease calls must answer well within the renew deadline. */
  private callTimeoutMs(): number {
    return Math.max(1000, Math.floor(this.renewDeadlineMs / 2));
  }

  private renewed(): void {
    this.lastRenew = Date.now();
    this.lastContact = this.lastRenew;
    if (!this.leading) {
      this.leading = true;
      this.opts.log.info({ identity: this.opts.identity }, 'started leading');
      for (const fn of this.subscribers.started) fn();
    }
  }

  private lose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.opts.log.warn({ identity: this.opts.identity, reason }, 'stopped leading');
    for (const fn of this.subscribers.stopped) fn();
  }

  /** Stops campaigning; a leader releases the Lease so a follower takes over immediately. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (!this.leading) return;
    this.lose('stopping');
    if (!release) return;
    try {
      const { apis, namespace, name, identity } = this.opts;
      const current = await apis.readLease(namespace, name, this.callTimeoutMs());
      if (current.spec?.holderIdentity !== identity) return;
      const released = this.lease('', current.spec.leaseTransitions ?? 0, undefined, current);
      released.spec!.leaseDurationSeconds = 1;
      await apis.replaceLease(namespace, name, released);
    } catch (err) {
      this.opts.log.warn({ reason: errorText(err) }, 'could not release the lease');
    }
  }
}
