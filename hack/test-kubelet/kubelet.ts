/**
 * Test-only stand-in for a node: registers a Ready Node on a real API server, binds unscheduled pods of its
 * namespaces to itself (there is no scheduler in the test control plane), runs each bound pod's first container
 * as a local process (pod-process.ts) and reports status: Pending → Running → Succeeded/Failed, with restarts for
 * restartPolicy Always/OnFailure. A pod marked for deletion gets SIGTERM, SIGKILL after its grace period, and is
 * then removed for good, as a kubelet would.
 *
 * Bounded: restarts back off 1 s → 30 s; every API retry loop has a cap.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { preparePodProcess, startPodProcess, UnsupportedPodError } from './pod-process.js';
import { resolveEnv, resolveVolumeFiles } from './pod-env.js';

export interface TestKubeletOptions {
  kc: KubeConfig;
  nodeName: string;
  namespaces: string[];
  claims: Record<string, string>;
  imagePaths: Record<string, string>;
  workDir: string;
  log?: (line: string) => void;
}

interface Running {
  uid: string;
  child: ChildProcess | null;
  restarts: number;
  stopping: boolean;
  timer: NodeJS.Timeout | null;
}

export class TestKubelet {
  private readonly core: CoreV1Api;
  private readonly pods = new Map<string, Running>();
  private readonly aborts: AbortController[] = [];
  private stopped = false;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly o: TestKubeletOptions) {
    this.core = o.kc.makeApiClient(CoreV1Api);
  }

  private log(msg: string): void {
    this.o.log?.(`[kubelet ${this.o.nodeName}] ${msg}`);
  }

  async start(): Promise<void> {
    await this.registerNode();
    this.heartbeat = setInterval(() => void this.registerNode().catch(() => undefined), 10_000);
    this.heartbeat.unref();
    for (const ns of this.o.namespaces) await this.watchNamespace(ns);
  }

  private async registerNode(): Promise<void> {
    const now = new Date();
    const status = {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'test kubelet',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      capacity: { cpu: '2', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    };
    try {
      const node = await this.core.readNode({ name: this.o.nodeName });
      node.status = status;
      await this.core.replaceNodeStatus({ name: this.o.nodeName, body: node });
    } catch {
      await this.core.createNode({
        body: {
          metadata: { name: this.o.nodeName, labels: { 'kubernetes.io/hostname': this.o.nodeName } },
          status,
        },
      });
    }
  }

  private async watchNamespace(ns: string): Promise<void> {
    const list = await this.core.listNamespacedPod({ namespace: ns });
    for (const pod of list.items) void this.onPod('ADDED', pod);
    const watch = new Watch(this.o.kc);
    const rewatch = (): void => {
      if (this.stopped) return;
      setTimeout(
        () => void this.watchNamespace(ns).catch((e: unknown) => this.log(`watch ${ns}: ${String(e)}`)),
        1000,
      );
    };
    const ac = await watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, pod: V1Pod) => void this.onPod(type, pod),
      () => rewatch(),
    );
    this.aborts.push(ac);
  }

  private key(pod: V1Pod): string {
    return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
  }

  private async onPod(type: string, pod: V1Pod): Promise<void> {
    if (this.stopped || type === 'BOOKMARK') return;
    const key = this.key(pod);
    try {
      if (!pod.spec?.nodeName && type !== 'DELETED') {
        await this.core.createNamespacedBinding({
          namespace: pod.metadata!.namespace!,
          body: { metadata: { name: pod.metadata!.name! }, target: { kind: 'Node', name: this.o.nodeName } },
        });
        return;
      }
      if (pod.spec?.nodeName !== this.o.nodeName) return;
      const running = this.pods.get(key);
      if (type === 'DELETED') {
        if (running) this.kill(key, running, 0);
        return;
      }
      if (pod.metadata?.deletionTimestamp) {
        if (running && !running.stopping)
          this.kill(key, running, pod.spec?.terminationGracePeriodSeconds ?? 30);
        else if (!running) await this.forget(pod);
        return;
      }
      if (!running && !['Succeeded', 'Failed'].includes(pod.status?.phase ?? '')) {
        this.pods.set(key, {
          uid: pod.metadata!.uid!,
          child: null,
          restarts: 0,
          stopping: false,
          timer: null,
        });
        await this.run(pod);
      }
    } catch (err) {
      this.log(`pod ${key}: ${(err as Error).message}`);
    }
  }

  private async run(pod: V1Pod): Promise<void> {
    const key = this.key(pod);
    const state = this.pods.get(key);
    if (!state || state.stopping) return;
    const container = pod.spec!.containers[0]!;
    const podDir = path.join(this.o.workDir, pod.metadata!.uid!);
    fs.mkdirSync(podDir, { recursive: true, mode: 0o755 });
    let prepared;
    try {
      prepared = preparePodProcess({
        pod,
        container,
        podDir,
        claims: this.o.claims,
        imagePaths: this.o.imagePaths,
        env: await resolveEnv(this.core, pod, container),
        volumeFiles: await resolveVolumeFiles(this.core, pod),
        onOutput: () => undefined,
      });
    } catch (err) {
      const reason = err instanceof UnsupportedPodError ? 'Unsupported' : 'CreateContainerConfigError';
      await this.setStatus(pod, { phase: 'Pending', waiting: { reason, message: (err as Error).message } });
      state.timer = setTimeout(() => void this.retryRun(key), 2000);
      return;
    }
    const child = startPodProcess(prepared, (line) => this.o.log?.(`[${pod.metadata!.name}] ${line}`));
    state.child = child;
    const startedAt = new Date();
    // Listen before any await: a short-lived container can exit while its Running status is being written.
    const exited = new Promise<number>((resolve) =>
      child.once('exit', (code, signal) =>
        resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 9) : 0)),
      ),
    );
    await this.setStatus(pod, { phase: 'Running', running: { startedAt } });
    void exited.then((code) => this.onExit(pod, state, code, startedAt));
  }

  private async retryRun(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    try {
      const pod = await this.core.readNamespacedPod({ name, namespace });
      if (!pod.metadata?.deletionTimestamp) await this.run(pod);
    } catch {
      this.pods.delete(key);
    }
  }

  private async onExit(pod: V1Pod, state: Running, exitCode: number, startedAt: Date): Promise<void> {
    const key = this.key(pod);
    state.child = null;
    const finishedAt = new Date();
    const policy = pod.spec?.restartPolicy ?? 'Always';
    const restart = !state.stopping && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (state.stopping) {
      this.pods.delete(key);
      await this.forget(pod);
      return;
    }
    if (!restart) {
      this.pods.delete(key);
      await this.setStatus(pod, {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        terminated: { exitCode, startedAt, finishedAt, reason: exitCode === 0 ? 'Completed' : 'Error' },
      });
      return;
    }
    state.restarts++;
    const delay = Math.min(30_000, 1000 * 2 ** (state.restarts - 1));
    await this.setStatus(pod, {
      phase: 'Running',
      waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay} ms restarting failed container` },
      lastTerminated: { exitCode, startedAt, finishedAt, reason: 'Error' },
      restarts: state.restarts,
    });
    state.timer = setTimeout(() => void this.retryRun(key), delay);
  }

  private kill(key: string, state: Running, graceSeconds: number): void {
    state.stopping = true;
    if (state.timer) clearTimeout(state.timer);
    const child = state.child;
    if (!child) {
      this.pods.delete(key);
      return;
    }
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), Math.max(0, graceSeconds) * 1000).unref();
  }

  /** Final removal of a terminated pod that is marked for deletion. */
  private async forget(pod: V1Pod): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      });
    } catch (err) {
      this.log(`final delete of ${this.key(pod)}: ${(err as Error).message}`);
    }
    fs.rmSync(path.join(this.o.workDir, pod.metadata!.uid!), { recursive: true, force: true });
  }

  private async setStatus(
    pod: V1Pod,
    s: {
      phase: string;
      running?: { startedAt: Date };
      waiting?: { reason: string; message: string };
      terminated?: { exitCode: number; startedAt: Date; finishedAt: Date; reason: string };
      lastTerminated?: { exitCode: number; startedAt: Date; finishedAt: Date; reason: string };
      restarts?: number;
    },
  ): Promise<void> {
    const name = pod.metadata!.name!;
    const namespace = pod.metadata!.namespace!;
    const container = pod.spec!.containers[0]!;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fresh = await this.core.readNamespacedPod({ name, namespace });
        if (fresh.metadata?.uid !== pod.metadata?.uid) return;
        const now = new Date();
        const ready = s.phase === 'Running' && !!s.running;
        fresh.status = {
          phase: s.phase,
          hostIP: '127.0.0.1',
          podIP: '127.0.0.1',
          startTime: fresh.status?.startTime ?? now,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
          ],
          containerStatuses: [
            {
              name: container.name,
              image: container.image ?? '',
              imageID: '',
              ready,
              started: ready,
              restartCount: s.restarts ?? fresh.status?.containerStatuses?.[0]?.restartCount ?? 0,
              state: s.running
                ? { running: s.running }
                : s.terminated
                  ? { terminated: s.terminated }
                  : { waiting: s.waiting },
              ...(s.lastTerminated ? { lastState: { terminated: s.lastTerminated } } : {}),
            },
          ],
        };
        await this.core.replaceNamespacedPodStatus({ name, namespace, body: fresh });
        return;
      } catch (err) {
        if (attempt === 4) this.log(`status of ${namespace}/${name}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
  }

  /** Pids of running pod processes, by namespace/name (tests use this to kill a "container"). */
  pid(namespace: string, name: string): number | undefined {
    return this.pods.get(`${namespace}/${name}`)?.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const ac of this.aborts) ac.abort();
    const exits: Promise<unknown>[] = [];
    for (const state of this.pods.values()) {
      if (state.timer) clearTimeout(state.timer);
      const child = state.child;
      if (child && child.exitCode === null) {
        exits.push(new Promise((r) => child.once('exit', r)));
        child.kill('SIGKILL');
      }
    }
    await Promise.all(exits);
    this.pods.clear();
  }
}
