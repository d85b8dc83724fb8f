/**
 * The environment a container of a Deployment on the API server would get from a kubelet: literal values,
 * downward-API fieldRefs (given), secretKeyRef/configMapKeyRef and envFrom Secrets (read with the admin client).
 * Tests start the real processes with it, so they run with exactly what the chart configures.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Container } from '@kubernetes/client-node';

/** A container of a Deployment as stored on the API server. */
export async function liveContainer(
  admin: KubeConfig,
  namespace: string,
  deployment: string,
  container: string,
): Promise<V1Container> {
  const d = await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: deployment, namespace });
  const c = d.spec?.template.spec?.containers.find((x) => x.name === container);
  if (!c) throw new Error(`deployment ${deployment} has no container ${container}`);
  return c;
}

export async function liveContainerEnv(
  admin: KubeConfig,
  namespace: string,
  deployment: string,
  container: string,
  fields: Record<string, string>,
): Promise<Record<string, string>> {
  const core = admin.makeApiClient(CoreV1Api);
  const c = await liveContainer(admin, namespace, deployment, container);
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (!from.secretRef?.name) throw new Error('only envFrom secretRef is supported');
    const s = await core.readNamespacedSecret({ name: from.secretRef.name, namespace });
    for (const [k, v] of Object.entries(s.data ?? {})) env[`${from.prefix ?? ''}${k}`] = decode(v);
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom;
    if (!ref) env[e.name] = e.value ?? '';
    else if (ref.fieldRef) {
      const v = fields[ref.fieldRef.fieldPath];
      if (v === undefined) throw new Error(`no value given for fieldRef ${ref.fieldRef.fieldPath}`);
      env[e.name] = v;
    } else if (ref.secretKeyRef) {
      const s = await core.readNamespacedSecret({ name: ref.secretKeyRef.name!, namespace });
      env[e.name] = decode(s.data?.[ref.secretKeyRef.key] ?? '');
    } else throw new Error(`env ${e.name}: unsupported valueFrom`);
  }
  return env;
}
