/**
 * Secret values for remote MCP headers from the Kubernetes API: `get` of one Secret per forwarded call (the
 * chart's Role grants the host `get` on Secrets in the namespaces it watches). Nothing is cached, so a rotated
 * Secret applies to the next call.
 *
 * Invariant (see secret-source.ts): a value is returned to the caller only; errors name the Secret, the key and
 * the namespace, and never include the API's response text.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { statusCode, withDeadline } from '../../kube/errors.js';
import { SecretUnavailable, type SecretSource } from './secret-source.js';

const READ_TIMEOUT_MS = 10_000;

export function kubeSecrets(kc: KubeConfig): SecretSource {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async read(namespace, name, key) {
      const where = `Secret "${name}" in namespace "${namespace}"`;
      let data: Record<string, string> | undefined;
      try {
        const secret = await withDeadline(
          `read ${where}`,
          core.readNamespacedSecret({ name, namespace }),
          READ_TIMEOUT_MS,
        );
        data = secret.data;
      } catch (err) {
        const code = statusCode(err);
        if (code === 404) throw new SecretUnavailable(`${where} not found`);
        if (code === 403) throw new SecretUnavailable(`the host may not read ${where} (RBAC: get secrets)`);
        throw new SecretUnavailable(`${where} could not be read${code ? ` (HTTP ${code})` : ''}`);
      }
      const encoded = data?.[key];
      if (encoded === undefined) throw new SecretUnavailable(`${where} has no key "${key}"`);
      return Buffer.from(encoded, 'base64').toString('utf8');
    },
  };
}
