/**
 * How the host runs agent-runners: one runner per active session, wherever the runtime puts it (a child process
 * on this machine, a Docker container, a pod on Kubernetes). All runtimes give a runner the same filesystem (protocol/paths.ts) and
 * the same environment (protocol/env.ts).
 *
 * Contract:
 * - ensureRunning is idempotent: a runner already running with the same specHash is left alone; one running with
 *   a different specHash (the admin set, image or resources changed) is replaced before the call returns.
 * - The runtime calls spec.issueToken() exactly when it starts a new runner, and passes the token to it without
 *   putting it anywhere a log line or a status field would show it.
 * - onExit fires once per runner that stops, whether asked to (expected) or not.
 */
export interface RunnerSpec {
  sessionId: string;
  agentGroupId: string;
  folder: string;
  /** Relative to the data dir (a PVC subPath on Kubernetes). */
  sessionSubPath: string;
  agentSubPath: string;
  globalSubPath: string;
  /** Runner environment: NANOCLAW_* and ANTHROPIC_BASE_URL, never a model API key or the session token. */
  env: Record<string, string>;
  /** Extra env from the AgentGroup (names were checked not to clash with the host's). */
  extraEnv: { name: string; value: string }[];
  image?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Changes whenever something changes that a running runner cannot pick up. */
  specHash: string;
  issueToken: () => string;
}

export type EnsureResult = 'already-running' | 'started' | 'replaced';

export interface RunnerInfo {
  sessionId: string;
  specHash: string;
  startedAt: number;
}

export interface RunnerExit {
  sessionId: string;
  code: number | null;
  signal: string | null;
  /** The host asked for this stop (idle, replace, shutdown). */
  expected: boolean;
}

/** What a runtime is, for the start-up log line and the terminal's start banner. */
export interface RuntimeDescription {
  runtime: 'local-process' | 'docker' | 'kubernetes';
  /** How runners are isolated: a bubblewrap sandbox, a Docker container, nothing (the host's user), or a pod. */
  sandbox: 'bubblewrap' | 'docker' | 'none' | 'pod';
  /** Set when runners are not isolated: what an agent can reach, and what to do about it. */
  warning?: string;
}

export interface AgentRuntime {
  readonly kind: 'local-process' | 'docker' | 'kubernetes';
  describe(): RuntimeDescription;
  /** Start-up work, e.g. removing runners a previous host left behind. */
  start(): Promise<void>;
  ensureRunning(spec: RunnerSpec): Promise<EnsureResult>;
  stop(sessionId: string, reason: string): Promise<void>;
  list(): RunnerInfo[];
  isRunning(sessionId: string): boolean;
  onExit(listener: (exit: RunnerExit) => void): () => void;
  /**
   * Releases the runtime. local-process stops its child processes (they cannot outlive the host); kubernetes
   * leaves pods running for the next host to adopt.
   */
  close(): Promise<void>;
}
