/**
 * The Kubernetes runtime: one runner pod per active session (pod-spec.ts builds it), watched through an informer
 * on the install's runner pods.
 *
 * Invariants:
 * - At most one live pod per session. A replacement is created only after the old pod is gone from the API server
 *   (the kubelet has stopped its process), so two runners never write the same outbound.db.
 * - A pod that reaches Succeeded/Failed is reported through onExit exactly once and then deleted with its token
 *   Secret; restarts are the host's decision (restartPolicy Never, crash backoff in the runner manager).
 * - The host also deletes pods it no longer wants (idle, session gone): a bare API server has no garbage
 *   collector, and owner references alone would leave pods of runtime-created groups behind.
 * - close() leaves running pods alone: their session tokens stay valid (only hashes are stored), so the next host
 *   adopts them instead of cold-starting every session.
 */
import { CoreV1Api, type KubeConfig, type V1OwnerReference, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ResilientInformer } from '../../../kube/informer.js';
import { errorText, isNotFound, withDeadline } from '../../../kube/errors.js';
import type {
  AgentRuntime,
  EnsureResult,
  RunnerExit,
  RunnerInfo,
  RunnerSpec,
  RuntimeDescription,
} from '../runtime.js';
import {
  buildRunnerPod,
  buildTokenSecret,
  installSelector,
  runnerName,
  SPEC_HASH_ANNOTATION,
  tokenSecretName,
  type PodTemplateOptions,
} from './pod-spec.js';

const SESSION_ANNOTATION = 'nanoclaw.dev/session-id';
const GONE_TIMEOUT_MS = 45_000;

export interface KubernetesRuntimeOptions extends PodTemplateOptions {
  kc: KubeConfig;
  log: Logger;
  /** Owner reference for a group's pods (its AgentGroup object), when there is one in this namespace. */
  ownerFor?: (agentGroupId: string) => V1OwnerReference | undefined;
}

interface Tracked {
  name: string;
  uid: string;
  specHash: string;
  startedAt: number;
  terminal: boolean;
  exitReported: boolean;
}

export class KubernetesRuntime implements AgentRuntime {
  readonly kind = 'kubernetes' as const;

  describe(): RuntimeDescription {
    return { runtime: 'kubernetes', sandbox: 'pod' };
  }
  private readonly core: CoreV1Api;
  private readonly pods = new Map<string, Tracked>();
  private readonly expected = new Set<string>();
  private readonly goneWaiters = new Map<string, (() => void)[]>();
  private readonly listeners = new Set<(exit: RunnerExit) => void>();
  private readonly informer: ResilientInformer<V1Pod>;

  constructor(private readonly o: KubernetesRuntimeOptions) {
    this.core = o.kc.makeApiClient(CoreV1Api);
    const labelSelector = installSelector(o);
    this.informer = new ResilientInformer<V1Pod>({
      name: 'runner pods',
      kc: o.kc,
      path: `/api/v1/namespaces/${o.namespace}/pods`,
      labelSelector,
      list: () => this.core.listNamespacedPod({ namespace: o.namespace, labelSelector }),
      onEvent: (event, pod) => this.onPod(event, pod),
      log: o.log,
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
    const adopted = [...this.pods.values()].filter((p) => !p.terminal).length;
    if (adopted > 0) this.o.log.info({ pods: adopted }, 'adopted runner pods left by a previous host');
  }

  private sessionOf(pod: V1Pod): string | undefined {
    return pod.metadata?.annotations?.[SESSION_ANNOTATION];
  }

  private onPod(event: 'add' | 'update' | 'delete', pod: V1Pod): void {
    const sessionId = this.sessionOf(pod);
    if (!sessionId) return;
    const uid = pod.metadata?.uid ?? '';
    if (event === 'delete') {
      const t = this.pods.get(sessionId);
      if (t && t.uid === uid) {
        this.pods.delete(sessionId);
        this.reportExit(sessionId, t, pod);
      }
      for (const w of this.goneWaiters.get(uid) ?? []) w();
      this.goneWaiters.delete(uid);
      return;
    }
    let t = this.pods.get(sessionId);
    if (!t || t.uid !== uid) {
      t = {
        name: pod.metadata!.name!,
        uid,
        specHash: pod.metadata?.annotations?.[SPEC_HASH_ANNOTATION] ?? '',
        startedAt: Date.parse(String(pod.metadata?.creationTimestamp ?? '')) || Date.now(),
        terminal: false,
        exitReported: false,
      };
      this.pods.set(sessionId, t);
    }
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && !t.terminal) {
      t.terminal = true;
      this.reportExit(sessionId, t, pod);
      void this.deleteObjects(sessionId, t.name, 0);
    }
  }

  private reportExit(sessionId: string, t: Tracked, pod: V1Pod): void {
    if (t.exitReported) return;
    t.exitReported = true;
    const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
    const exit: RunnerExit = {
      sessionId,
      code: term?.exitCode ?? null,
      signal: term?.signal ? String(term.signal) : null,
      expected: this.expected.delete(sessionId),
    };
    this.o.log[exit.expected ? 'debug' : 'warn'](
      { sessionId, pod: t.name, code: exit.code, phase: pod.status?.phase },
      exit.expected ? 'runner pod stopped' : 'runner pod ended unexpectedly',
    );
    for (const l of this.listeners) l(exit);
  }

  isRunning(sessionId: string): boolean {
    const t = this.pods.get(sessionId);
    return t !== undefined && !t.terminal;
  }

  list(): RunnerInfo[] {
    return [...this.pods.entries()]
      .filter(([, t]) => !t.terminal)
      .map(([sessionId, t]) => ({ sessionId, specHash: t.specHash, startedAt: t.startedAt }));
  }

  onExit(listener: (exit: RunnerExit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ensureRunning(spec: RunnerSpec): Promise<EnsureResult> {
    const current = this.pods.get(spec.sessionId);
    if (current && !current.terminal && current.specHash === spec.specHash) return 'already-running';
    let result: EnsureResult = 'started';
    if (current) {
      if (!current.terminal) result = 'replaced';
      await this.stop(spec.sessionId, current.terminal ? 'finished' : 'spec changed');
    }
    await this.create(spec);
    return result;
  }

  private async create(spec: RunnerSpec): Promise<void> {
    const owner = this.o.ownerFor?.(spec.agentGroupId);
    const opts = owner ? { ...this.o, owner } : this.o;
    const pod = buildRunnerPod(spec, opts);
    pod.metadata!.annotations = { ...pod.metadata!.annotations, [SESSION_ANNOTATION]: spec.sessionId };
    const secret = buildTokenSecret(spec, spec.issueToken(), opts);
    const namespace = this.o.namespace;
    await this.deleteSecret(secret.metadata!.name!);
    await withDeadline(
      'create runner token Secret',
      this.core.createNamespacedSecret({ namespace, body: secret }),
    );
    const created = await withDeadline(
      'create runner pod',
      this.core.createNamespacedPod({ namespace, body: pod }),
    );
    this.pods.set(spec.sessionId, {
      name: created.metadata!.name!,
      uid: created.metadata!.uid!,
      specHash: spec.specHash,
      startedAt: Date.now(),
      terminal: false,
      exitReported: false,
    });
    this.o.log.info(
      { sessionId: spec.sessionId, agentGroup: spec.agentGroupId, pod: created.metadata!.name },
      'runner pod created',
    );
  }

  async stop(sessionId: string, reason: string): Promise<void> {
    const t = this.pods.get(sessionId);
    const name = t?.name ?? runnerName(sessionId);
    if (t && !t.exitReported) this.expected.add(sessionId);
    this.o.log.debug({ sessionId, pod: name, reason }, 'deleting runner pod');
    await this.deleteObjects(sessionId, name, 15);
    if (t) await this.waitGone(t.uid, name);
    this.pods.delete(sessionId);
  }

  private async deleteObjects(sessionId: string, name: string, graceSeconds: number): Promise<void> {
    try {
      await withDeadline(
        'delete runner pod',
        this.core.deleteNamespacedPod({
          name,
          namespace: this.o.namespace,
          gracePeriodSeconds: graceSeconds,
        }),
      );
    } catch (err) {
      if (!isNotFound(err))
        this.o.log.warn({ sessionId, pod: name, reason: errorText(err) }, 'could not delete runner pod');
    }
    await this.deleteSecret(tokenSecretName(sessionId));
  }

  private async deleteSecret(name: string): Promise<void> {
    try {
      await withDeadline(
        'delete token Secret',
        this.core.deleteNamespacedSecret({ name, namespace: this.o.namespace }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Resolves when the pod with this uid is gone; after a timeout, force-deletes it (grace 0) and returns. */
  private async waitGone(uid: string, name: string): Promise<void> {
    const gone = new Promise<void>((resolve) => {
      const list = this.goneWaiters.get(uid) ?? [];
      list.push(resolve);
      this.goneWaiters.set(uid, list);
    });
    const stillThere = async (): Promise<boolean> => {
      try {
        const p = await this.core.readNamespacedPod({ name, namespace: this.o.namespace });
        return p.metadata?.uid === uid;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    };
    if (!(await stillThere())) return;
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), GONE_TIMEOUT_MS).unref());
    if ((await Promise.race([gone, timeout])) === 'timeout' && (await stillThere())) {
      this.o.log.warn({ pod: name }, 'runner pod did not stop in time; force-deleting it');
      await this.core
        .deleteNamespacedPod({ name, namespace: this.o.namespace, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.informer.stop();
  }
}
