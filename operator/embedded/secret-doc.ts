/**
 * A `kind: Secret` (v1) document in the embedded manifest folder: the same YAML `kubectl apply` takes, so a remote
 * MCP server's `valueFrom.secretKeyRef` works the same on a laptop and on a cluster.
 *
 * Invariants:
 * - Keys follow the Kubernetes rule (`[-._a-zA-Z0-9]+`), `data` values are base64, `stringData` wins over `data`
 *   for the same key (as the API server merges them).
 * - Validation errors name the field (`data.token`), never a value: zod messages here carry no input.
 */
import { z } from 'zod';
import { CONFIG_MAP_KEY_PATTERN, DNS_SUBDOMAIN_PATTERN } from '../api/v1alpha1/common.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const key = z.string().max(253).regex(CONFIG_MAP_KEY_PATTERN);

export const SecretDoc = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: z.looseObject({ name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN_PATTERN) }),
  data: z.record(key, z.string().regex(BASE64, 'must be base64')).optional(),
  stringData: z.record(key, z.string()).optional(),
});
export type SecretDoc = z.output<typeof SecretDoc>;

/** The Secret's values by key, decoded. */
export function secretValues(doc: SecretDoc): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(doc.data ?? {})) out.set(k, Buffer.from(v, 'base64').toString('utf8'));
  for (const [k, v] of Object.entries(doc.stringData ?? {})) out.set(k, v);
  return out;
}
