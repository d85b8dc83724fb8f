/**
 * Where the host reads the Secret values of remote MCP server headers (`valueFrom.secretKeyRef`): the Kubernetes
 * API (kube-secrets.ts) or the embedded manifest folder (operator/embedded/manifest-secrets.ts).
 *
 * Invariants:
 * - A value is read when a call is forwarded and used only for that call: never stored in the central DB, never
 *   logged, never put in a status or an error message.
 * - A Secret or key that cannot be read is a SecretUnavailable whose message names the Secret, the key and the
 *   namespace — never a value — so it can be told to the agent and shown in the AgentGroup's status.
 */
export interface SecretSource {
  /** The value of `key` in Secret `name` of `namespace`; throws SecretUnavailable. */
  read(namespace: string, name: string, key: string): Promise<string>;
}

export class SecretUnavailable extends Error {
  override name = 'SecretUnavailable';
}

/** For a host that has nowhere to read Secrets from: every read fails with a clear reason. */
export const NO_SECRETS: SecretSource = {
  read: (_namespace, name) =>
    Promise.reject(new SecretUnavailable(`Secret "${name}": this host has no Secret source`)),
};
