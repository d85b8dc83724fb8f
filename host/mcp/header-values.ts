/**
 * The values of the headers the host adds to a forwarded call (a remote MCP server's, an egress destination's):
 * literals as configured, Secret keys read now, for this call.
 *
 * Invariant (see secret-source.ts): values go to the caller only; a Secret that cannot be read is a
 * SecretUnavailable naming the header, the Secret and the key — never a value.
 */
import type { ForwardHeaderRef } from '../db/runner-config.js';
import { SecretUnavailable, type SecretSource } from './secret-source.js';

export async function headerValues(
  headers: readonly ForwardHeaderRef[],
  namespace: string,
  secrets: SecretSource,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    if (h.secretKeyRef) {
      try {
        out[h.name] = await secrets.read(namespace, h.secretKeyRef.name, h.secretKeyRef.key);
      } catch (err) {
        const why = err instanceof SecretUnavailable ? err.message : 'the Secret could not be read';
        throw new SecretUnavailable(`header ${h.name}: ${why}`);
      }
    } else out[h.name] = h.value ?? '';
  }
  return out;
}
