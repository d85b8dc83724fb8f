/**
 * Pure builders for a session's runner pod and its token Secret (no I/O).
 *
 * Invariants of every runner pod:
 * - non-root (uid/gid 1000 by default), read-only root filesystem with a writable /tmp emptyDir, all capabilities
 *   dropped, no privilege escalation, seccomp RuntimeDefault, no service account token, no service links;
 * - volumes are subPaths of the one data PVC: the session directory at /workspace (rw), the agent group's folder
 *   at /workspace/agent (read-only: sessions of one group share it, so a file one session could write there — a
 *   hook in .claude/settings.json, a command, CLAUDE.md — would run in the others; only the host writes it) and
 *   the global folder at /workspace/global (read-only); over the session directory,
 *   inbound.db and its persistent journal are mounted read-only on their own, so the runner can neither write its
 *   inbound messages (e.g. forge an owner's command) nor plant a journal the host would roll into inbound.db. The
 *   host creates both files before any runner starts (a missing subPath would be created as a directory);
 * - no model API key anywhere: ANTHROPIC_BASE_URL points at the host's credential proxy, and the per-session token
 *   comes from a Secret by reference, so it is not part of the pod object either;
 * - with a ReadWriteOnce claim the pod is pinned to the host's node (the only node that may mount it);
 * - restartPolicy Never: the host sees every exit and decides about restarts (with backoff).
 */
import { createHash } from 'node:crypto';
import type { V1OwnerReference, V1Pod, V1Secret } from '@kubernetes/client-node';
import path from 'node:path';
import { DEFAULT_WORKSPACE, GLOBAL_SUBDIR, AGENT_SUBDIR, workspacePaths } from '../../../protocol/paths.js';
import { RUNNER_ENV } from '../../../protocol/env.js';
import { journalFile } from '../../../protocol/session-db.js';
import type { RunnerSpec } from '../runtime.js';

const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  instance: 'app.kubernetes.io/instance',
  session: 'nanoclaw.dev/session',
  agentGroup: 'nanoclaw.dev/agent-group',
} as const;
export const SPEC_HASH_ANNOTATION = 'nanoclaw.dev/spec-hash';
const RUNNER_APP = 'nanoclaw-runner';
const MANAGED_BY = 'nanoclaw-host';
const TOKEN_KEY = 'token';
const RUNNER_CONTAINER = 'agent-runner';
export const RUNNER_COMMAND = ['node', '/app/dist/container/agent-runner/main.js'];

export interface PodTemplateOptions {
  namespace: string;
  /** Distinguishes installs sharing a namespace (the Helm release name). */
  instance: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  pvcName: string;
  accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
  /** The host's node; required for ReadWriteOnce claims. */
  nodeName?: string;
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  defaultResources: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Owner of runner pods and Secrets, so deleting it garbage-collects them. */
  owner?: V1OwnerReference;
  /** Extra pod labels (e.g. for NetworkPolicy selection); never overrides the ones above. */
  extraLabels?: Record<string, string>;
}

/** A stable, DNS-safe object name for a session's runner (≤ 63 chars). */
export function runnerName(sessionId: string): string {
  const safe = sessionId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  const name = `nc-run-${safe}`;
  if (name.length <= 63 && safe.length > 0) return name;
  const hash = createHash('sha256').update(sessionId).digest('hex').slice(0, 10);
  return `nc-run-${safe.slice(0, 63 - 8 - 11).replace(/-+$/, '')}-${hash}`;
}

/** A label value (≤ 63, alphanumeric at both ends). Agent group ids may contain '/' when namespaced. */
export function labelValue(raw: string): string {
  const v = raw
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return v || 'x';
}

export function tokenSecretName(sessionId: string): string {
  return `${runnerName(sessionId).slice(0, 57)}-token`;
}

function runnerLabels(spec: Pick<RunnerSpec, 'sessionId' | 'agentGroupId'>, o: PodTemplateOptions) {
  return {
    ...o.extraLabels,
    [LABELS.name]: RUNNER_APP,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.instance]: labelValue(o.instance),
    [LABELS.session]: labelValue(spec.sessionId),
    [LABELS.agentGroup]: labelValue(spec.agentGroupId),
  };
}

/** Label selector for every runner pod of this install. */
export function installSelector(o: Pick<PodTemplateOptions, 'instance'>): string {
  return `${LABELS.name}=${RUNNER_APP},${LABELS.managedBy}=${MANAGED_BY},${LABELS.instance}=${labelValue(o.instance)}`;
}

export function buildTokenSecret(spec: RunnerSpec, token: string, o: PodTemplateOptions): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: tokenSecretName(spec.sessionId),
      namespace: o.namespace,
      labels: runnerLabels(spec, o),
      ...(o.owner ? { ownerReferences: [o.owner] } : {}),
    },
    stringData: { [TOKEN_KEY]: token },
  };
}

export function buildRunnerPod(spec: RunnerSpec, o: PodTemplateOptions): V1Pod {
  if (o.accessMode === 'ReadWriteOnce' && !o.nodeName) {
    throw new Error('a ReadWriteOnce data volume needs the host node name (NODE_NAME from the downward API)');
  }
  const ws = DEFAULT_WORKSPACE;
  const inboundDb = workspacePaths(ws).inboundDb;
  const hostOnlyFiles = [inboundDb, journalFile(inboundDb)].map((mountPath) => ({
    name: 'data',
    mountPath,
    subPath: path.posix.join(spec.sessionSubPath, path.posix.relative(ws, mountPath)),
    readOnly: true,
  }));
  const env = [
    ...spec.extraEnv.map((e) => ({ name: e.name, value: e.value })),
    ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    { name: RUNNER_ENV.workspace, value: ws },
    { name: 'HOME', value: `${ws}/.home` },
    { name: 'TMPDIR', value: '/tmp' },
    {
      name: RUNNER_ENV.sessionToken,
      valueFrom: { secretKeyRef: { name: tokenSecretName(spec.sessionId), key: TOKEN_KEY } },
    },
  ];
  const resources = {
    requests: { ...o.defaultResources.requests, ...spec.resources?.requests },
    limits: { ...o.defaultResources.limits, ...spec.resources?.limits },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: runnerName(spec.sessionId),
      namespace: o.namespace,
      labels: runnerLabels(spec, o),
      annotations: { [SPEC_HASH_ANNOTATION]: spec.specHash },
      ...(o.owner ? { ownerReferences: [o.owner] } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 15,
      ...(o.accessMode === 'ReadWriteOnce' ? { nodeName: o.nodeName } : {}),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: o.runAsUser,
        runAsGroup: o.runAsGroup,
        fsGroup: o.fsGroup,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: RUNNER_CONTAINER,
          image: spec.image ?? o.image,
          imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
          command: RUNNER_COMMAND,
          workingDir: ws,
          env,
          resources,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [
            { name: 'data', mountPath: ws, subPath: spec.sessionSubPath },
            ...hostOnlyFiles,
            {
              name: 'data',
              mountPath: `${ws}/${AGENT_SUBDIR}`,
              subPath: spec.agentSubPath,
              readOnly: true,
            },
            {
              name: 'data',
              mountPath: `${ws}/${GLOBAL_SUBDIR}`,
              subPath: spec.globalSubPath,
              readOnly: true,
            },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: o.pvcName } },
        { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      ],
    },
  };
}
