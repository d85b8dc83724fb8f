import { describe, expect, it } from 'vitest';
import type { RunnerSpec } from '../runtime.js';
import {
  buildRunnerPod,
  buildTokenSecret,
  labelValue,
  runnerName,
  tokenSecretName,
  type PodTemplateOptions,
} from './pod-spec.js';

const spec: RunnerSpec = {
  sessionId: 'sess-mb2x1k-0a1b2c3d',
  agentGroupId: 'team/helper',
  folder: 'helper',
  sessionSubPath: 'sessions/helper/sess-mb2x1k-0a1b2c3d',
  agentSubPath: 'groups/helper',
  globalSubPath: 'groups/global',
  env: {
    NANOCLAW_SESSION_ID: 'sess-mb2x1k-0a1b2c3d',
    NANOCLAW_ADMIN_USER_IDS: 'telegram:1,web:local',
    ANTHROPIC_BASE_URL: 'http://nanoclaw-runner.ns.svc:3001/proxy/anthropic',
  },
  extraEnv: [{ name: 'GREETING', value: 'hi' }],
  resources: { limits: { memory: '1Gi' } },
  specHash: 'abc123',
  issueToken: () => 'unused',
};

const opts: PodTemplateOptions = {
  namespace: 'ns',
  instance: 'nanoclaw',
  image: 'ghcr.io/example/nanoclaw-runner:1',
  pvcName: 'nanoclaw-data',
  accessMode: 'ReadWriteOnce',
  nodeName: 'node-a',
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  defaultResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
};

describe('runner pod spec', () => {
  const pod = buildRunnerPod(spec, opts);
  const c = pod.spec!.containers[0]!;

  it('mounts the session rw, inbound.db and its journal read-only over it, the agent folder and global read-only, all from the data claim', () => {
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/workspace', subPath: spec.sessionSubPath },
      {
        name: 'data',
        mountPath: '/workspace/inbound.db',
        subPath: `${spec.sessionSubPath}/inbound.db`,
        readOnly: true,
      },
      {
        name: 'data',
        mountPath: '/workspace/inbound.db-journal',
        subPath: `${spec.sessionSubPath}/inbound.db-journal`,
        readOnly: true,
      },
      { name: 'data', mountPath: '/workspace/agent', subPath: 'groups/helper', readOnly: true },
      { name: 'data', mountPath: '/workspace/global', subPath: 'groups/global', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.spec!.volumes![0]).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'nanoclaw-data' },
    });
  });

  it('is hardened: non-root, read-only root, no capabilities, seccomp, no service account token', () => {
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(pod.spec!.enableServiceLinks).toBe(false);
    expect(pod.spec!.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec!.restartPolicy).toBe('Never');
  });

  it('carries the admin ids and takes the session token from a Secret by reference', () => {
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.NANOCLAW_ADMIN_USER_IDS).toBe('telegram:1,web:local');
    expect(env.GREETING).toBe('hi');
    expect(env.NANOCLAW_SESSION_TOKEN).toEqual({
      secretKeyRef: { name: tokenSecretName(spec.sessionId), key: 'token' },
    });
    expect(JSON.stringify(pod)).not.toMatch(/ANTHROPIC_API_KEY|unused/);
  });

  it('merges the group resources over the defaults', () => {
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } });
  });

  it('pins to the host node for ReadWriteOnce and not for ReadWriteMany', () => {
    expect(pod.spec!.nodeName).toBe('node-a');
    expect(buildRunnerPod(spec, { ...opts, accessMode: 'ReadWriteMany' }).spec!.nodeName).toBeUndefined();
    expect(() => buildRunnerPod(spec, { ...opts, nodeName: undefined })).toThrow(/NODE_NAME/);
  });

  it('is labelled with session and agent group and annotated with the spec hash', () => {
    expect(pod.metadata!.labels).toMatchObject({
      'nanoclaw.dev/session': spec.sessionId,
      'nanoclaw.dev/agent-group': 'team_helper',
      'app.kubernetes.io/managed-by': 'nanoclaw-host',
    });
    expect(pod.metadata!.annotations).toEqual({ 'nanoclaw.dev/spec-hash': 'abc123' });
  });

  it('sets the owner reference when given', () => {
    const owner = { apiVersion: 'nanoclaw.dev/v1alpha1', kind: 'AgentGroup', name: 'helper', uid: 'u-1' };
    expect(buildRunnerPod(spec, { ...opts, owner }).metadata!.ownerReferences).toEqual([owner]);
    expect(buildTokenSecret(spec, 't', { ...opts, owner }).metadata!.ownerReferences).toEqual([owner]);
  });
});

describe('names', () => {
  it('are DNS labels of at most 63 characters, stable per session', () => {
    for (const id of ['sess-a', 'SESS_x.y', 'sess-' + 'z'.repeat(80)]) {
      const name = runnerName(id);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(runnerName(id)).toBe(name);
      expect(tokenSecretName(id).length).toBeLessThanOrEqual(63);
    }
    expect(runnerName('sess-' + 'z'.repeat(80))).not.toBe(runnerName('sess-' + 'z'.repeat(81)));
  });

  it('makes label values safe', () => {
    expect(labelValue('ns/name')).toBe('ns_name');
    expect(labelValue('-x-')).toBe('x');
    expect(labelValue('a'.repeat(100))).toHaveLength(63);
  });
});
