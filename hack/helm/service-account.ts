/**
 * A kubeconfig that authenticates as a ServiceAccount (a TokenRequest token, as a pod's projected token would
 * be), so tests run the real host and operator with exactly the chart's RBAC.
 */
import fs from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export async function serviceAccountKubeconfig(
  admin: KubeConfig,
  namespace: string,
  serviceAccount: string,
  file: string,
): Promise<{ token: string; kubeConfig: KubeConfig }> {
  const res = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${serviceAccount}`);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: serviceAccount, token }],
    contexts: [{ name: 'sa', cluster: 'test', user: serviceAccount, namespace }],
    currentContext: 'sa',
  });
  fs.writeFileSync(file, kubeConfig.exportConfig(), { mode: 0o600 });
  return { token, kubeConfig };
}
