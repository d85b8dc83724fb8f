/**
 * The `docker` runtime for embedded mode: one container per session on a local Docker engine, through the docker
 * CLI (it honours DOCKER_HOST, contexts and TLS settings as the user set them up, and an attached `docker run`
 * is the container's exit report: the CLI exits with the container's code). The command line is built by
 * docker-args.ts; this file keeps the processes.
 *
 * Invariants:
 * - At most one container per session: the container name is fixed per data dir and session, so the engine
 *   refuses a second; a leftover of that name is removed before a start, and start() removes every container
 *   labelled with this data dir's instance id (a previous host's), and no other.
 * - The image must already be in the engine (`--pull never`): check() (at creation) makes sure the engine answers
 *   and the image is there, and fails with what to do otherwise; so does a start with a group's own image.
 * - The CLI process gets the docker CLI's own variables (PATH, HOME, DOCKER_*) plus the runner's env and session
 *   token, which `--env NAME` copies into the container; nothing else of the host's environment (no API key).
 *   A runner variable named DOCKER_* is refused (it would redirect the CLI).
 * - An exit is reported once the container is gone (removed by name when the CLI ended first).
 * - A host running as root runs runners as the configured uid/gid and hands them the session directory (except
 *   inbound.db and its journal) and the runner socket; a non-root host runs them as its own uid/gid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { RUNNER_ENV } from '../../../protocol/env.js';
import { journalFile } from '../../../protocol/session-db.js';
import type {
  AgentRuntime,
  EnsureResult,
  RunnerExit,
  RunnerInfo,
  RunnerSpec,
  RuntimeDescription,
} from '../runtime.js';
import { prepareMountedWorkspace } from '../sandbox/mounted-workspace.js';
import {
  containerName,
  dockerRunArgs,
  instanceId,
  LABEL_INSTANCE,
  layoutEnv,
  limitsFor,
} from './docker-args.js';
import { firstLine, runDocker } from './docker-cli.js';
import type { DockerLimits } from './quantity.js';

const STOP_GRACE_S = 5;
/** After `docker stop` returned, how long the attached CLI may take to exit before it is killed. */
const EXIT_WAIT_MS = 10_000;

export interface DockerRuntimeOptions {
  dataDir: string;
  log: Logger;
  /** The docker CLI and its own environment (PATH, HOME, DOCKER_*). */
  cli: string;
  cliEnv: Record<string, string>;
  image: string;
  limits: DockerLimits;
  user: { uid: number; gid: number };
  /** Whether the host hands the session directory and socket to `user` (a root host). */
  chownToUser: boolean;
  timezone?: string;
  output?: (line: string) => void;
}

interface Running {
  child: ChildProcess;
  name: string;
  info: RunnerInfo;
  stopping: boolean;
  exited: Promise<void>;
}

export class DockerRuntime implements AgentRuntime {
  readonly kind = 'docker' as const;
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<(exit: RunnerExit) => void>();
  private readonly images = new Set<string>();

  constructor(private readonly o: DockerRuntimeOptions) {}

  describe(): RuntimeDescription {
    return { runtime: 'docker', sandbox: 'docker' };
  }

  private docker(args: string[], timeoutMs?: number) {
    return runDocker(this.o.cli, this.o.cliEnv, args, timeoutMs);
  }

  /** That the engine answers and the default image is in it; create-runtime.ts calls it before anything listens. */
  async check(): Promise<void> {
    const version = await this.docker(['version', '--format', '{{.Server.Version}}']);
    if (version.code !== 0)
      throw new Error(
        `NANOCLAW_RUNTIME=docker: the Docker engine does not answer (${this.o.cli} version: ${firstLine(version)}); ` +
          'start it, or point DOCKER_HOST at it',
      );
    await this.checkImage(this.o.image);
  }

  async start(): Promise<void> {
    const ps = await this.docker([
      'ps',
      '--all',
      '--quiet',
      '--filter',
      `label=${LABEL_INSTANCE}=${instanceId(this.o.dataDir)}`,
    ]);
    if (ps.code !== 0) throw new Error(`docker ps failed: ${firstLine(ps)}`);
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return;
    const rm = await this.docker(['rm', '--force', ...ids]);
    if (rm.code !== 0)
      throw new Error(`could not remove a previous host's runner containers: ${firstLine(rm)}`);
    this.o.log.warn({ removed: ids.length }, 'removed runner containers left behind by a previous host');
  }

  private async checkImage(image: string): Promise<void> {
    if (this.images.has(image)) return;
    const r = await this.docker(['image', 'inspect', '--format', '{{.Id}}', image]);
    if (r.code !== 0)
      throw new Error(
        `runner image ${image} is not in the local Docker engine (${firstLine(r)}); the host never pulls: ` +
          `build it (docker build --target agent-runner -t ${image} .) or docker load it, or set NANOCLAW_DOCKER_IMAGE`,
      );
    this.images.add(image);
  }

  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId);
  }

  list(): RunnerInfo[] {
    return [...this.running.values()].map((r) => r.info);
  }

  onExit(listener: (exit: RunnerExit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ensureRunning(spec: RunnerSpec): Promise<EnsureResult> {
    const current = this.running.get(spec.sessionId);
    if (current && !current.stopping && current.info.specHash === spec.specHash) return 'already-running';
    let result: EnsureResult = 'started';
    if (current) {
      result = 'replaced';
      await this.stop(spec.sessionId, 'spec changed');
    }
    await this.runContainer(spec);
    return result;
  }

  /** Resolves once `docker run` runs; rejects (leaving nothing registered) when it cannot be started. */
  private async runContainer(spec: RunnerSpec): Promise<void> {
    const image = spec.image ?? this.o.image;
    await this.checkImage(image);
    const ws = prepareMountedWorkspace(this.o.dataDir, spec);
    if (this.o.chownToUser) this.handOver(ws.sessionDir, ws.hostSocket);
    const name = containerName(this.o.dataDir, spec.sessionId);
    // A container of this name that outlived its CLI (it was killed) must not block the start.
    await this.docker(['rm', '--force', name]);
    // No network in the container: the runner finds the host through the socket, not a URL.
    const env: Record<string, string> = {
      ...(this.o.timezone ? { TZ: this.o.timezone } : {}),
      ...Object.fromEntries(spec.extraEnv.map((e) => [e.name, e.value])),
      ...spec.env,
    };
    const { [RUNNER_ENV.hostUrl]: _url, [RUNNER_ENV.anthropicBaseUrl]: _proxy, ...runnerEnv } = env;
    const layout = layoutEnv();
    const forwarded = Object.fromEntries(Object.entries(runnerEnv).filter(([k]) => !(k in layout)));
    for (const k of Object.keys(forwarded)) {
      if (k.startsWith('DOCKER_'))
        throw new Error(`runner env ${k}: a DOCKER_* name would redirect the docker CLI`);
    }
    forwarded[RUNNER_ENV.sessionToken] = spec.issueToken();
    const args = dockerRunArgs({
      image,
      dataDir: this.o.dataDir,
      sessionId: spec.sessionId,
      specHash: spec.specHash,
      ...ws,
      user: this.o.user,
      limits: limitsFor(spec.resources, this.o.limits),
      envNames: Object.keys(forwarded),
    });
    const child = spawn(this.o.cli, args, {
      env: { ...this.o.cliEnv, ...forwarded },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(new Error(`could not run the docker CLI ${this.o.cli}: ${err.message}`, { cause: err })),
      );
    });
    const out = this.o.output ?? ((line: string) => process.stdout.write(`${line}\n`));
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', out);
    }
    const info: RunnerInfo = { sessionId: spec.sessionId, specHash: spec.specHash, startedAt: Date.now() };
    const entry: Running = {
      child,
      name,
      info,
      stopping: false,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          void this.docker(['rm', '--force', name]).then(() => {
            if (this.running.get(spec.sessionId) === entry) this.running.delete(spec.sessionId);
            const exit: RunnerExit = { sessionId: spec.sessionId, code, signal, expected: entry.stopping };
            this.o.log[exit.expected ? 'debug' : 'warn'](
              { sessionId: spec.sessionId, code, signal, container: name },
              exit.expected ? 'runner stopped' : 'runner exited unexpectedly',
            );
            for (const l of this.listeners) l(exit);
            resolve();
          });
        });
      }),
    };
    child.on('error', (err) =>
      this.o.log.error({ sessionId: spec.sessionId, err: err.message }, 'docker CLI error'),
    );
    this.running.set(spec.sessionId, entry);
    this.o.log.info(
      { sessionId: spec.sessionId, agentGroup: spec.agentGroupId, container: name, image, sandbox: 'docker' },
      'runner started',
    );
  }

  /** Gives the runner's user its session directory (inbound.db and its journal stay the host's) and the socket. */
  private handOver(sessionDir: string, hostSocket: string): void {
    const { uid, gid } = this.o.user;
    const inbound = path.join(sessionDir, 'inbound.db');
    const keep = new Set([inbound, journalFile(inbound)]);
    const walk = (p: string): void => {
      if (keep.has(p)) return;
      const st = fs.lstatSync(p);
      if (st.uid !== uid || st.gid !== gid) fs.lchownSync(p, uid, gid);
      if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    };
    walk(sessionDir);
    fs.chownSync(hostSocket, uid, gid);
  }

  async stop(sessionId: string, reason: string): Promise<void> {
    const r = this.running.get(sessionId);
    if (!r) return;
    r.stopping = true;
    this.o.log.debug({ sessionId, reason, container: r.name }, 'stopping runner');
    // SIGTERM to the runner (through the container's init), SIGKILL after the grace period.
    const stopped = await this.docker(
      ['stop', '--time', String(STOP_GRACE_S), r.name],
      (STOP_GRACE_S + 20) * 1000,
    );
    if (stopped.code !== 0) this.o.log.warn({ sessionId, err: firstLine(stopped) }, 'docker stop failed');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), EXIT_WAIT_MS);
    await r.exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id, 'host shutdown')));
  }
}
