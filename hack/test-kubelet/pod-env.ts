/** Test-only: resolves a container's env (value, secretKeyRef, configMapKeyRef, fieldRef) and secret/configMap volume files. */
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import type { ResolvedEnv } from './pod-process.js';

function field(pod: V1Pod, fieldPath: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.hostIP':
      return '127.0.0.1';
    default:
      throw new Error(`fieldRef ${fieldPath} is not supported by the test kubelet`);
  }
}

export async function resolveEnv(core: CoreV1Api, pod: V1Pod, c: V1Container): Promise<ResolvedEnv[]> {
  const namespace = pod.metadata!.namespace!;
  const out: ResolvedEnv[] = [];
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      out.push({ name: e.name, value: e.value ?? '' });
    } else if (from.secretKeyRef) {
      const s = await core.readNamespacedSecret({ name: from.secretKeyRef.name!, namespace });
      const v = s.data?.[from.secretKeyRef.key];
      if (v === undefined)
        throw new Error(`secret ${from.secretKeyRef.name} has no key ${from.secretKeyRef.key}`);
      out.push({ name: e.name, value: Buffer.from(v, 'base64').toString('utf8') });
    } else if (from.configMapKeyRef) {
      const cm = await core.readNamespacedConfigMap({ name: from.configMapKeyRef.name!, namespace });
      out.push({ name: e.name, value: cm.data?.[from.configMapKeyRef.key] ?? '' });
    } else if (from.fieldRef) {
      out.push({ name: e.name, value: field(pod, from.fieldRef.fieldPath) });
    } else {
      throw new Error(`env ${e.name}: unsupported valueFrom`);
    }
  }
  return out;
}

export async function resolveVolumeFiles(
  core: CoreV1Api,
  pod: V1Pod,
): Promise<Record<string, Record<string, string>>> {
  const namespace = pod.metadata!.namespace!;
  const out: Record<string, Record<string, string>> = {};
  for (const v of pod.spec?.volumes ?? []) {
    if (v.secret?.secretName) {
      const s = await core.readNamespacedSecret({ name: v.secret.secretName, namespace });
      out[v.name] = Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, b64]) => [k, Buffer.from(b64, 'base64').toString('utf8')]),
      );
    } else if (v.configMap?.name) {
      const cm = await core.readNamespacedConfigMap({ name: v.configMap.name, namespace });
      out[v.name] = { ...cm.data };
    }
  }
  return out;
}
