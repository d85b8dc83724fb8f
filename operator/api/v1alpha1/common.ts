/**
 * Shared pieces of the nanoclaw.dev/v1alpha1 API: group/version, name patterns, object metadata as the embedded
 * loader sees it, and the status block every kind carries.
 *
 * Every regular expression here must also be valid RE2, because the CRD generator copies it into OpenAPI
 * `pattern` and the API server evaluates it with Go's regexp package.
 */
import { z } from 'zod';
import { listMap } from './rules.js';

export const GROUP = 'nanoclaw.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'nanoclaw';

/** RFC 1123 subdomain: what Kubernetes accepts as a custom object's name (≤ 253). */
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label (≤ 63). */
const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes resource.Quantity, as controller-gen writes it for CRDs. */
export const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
/** A duration in hours, minutes and seconds, e.g. `30m`, `1h30m`, `90s`. */
export const DURATION_PATTERN = /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/;
/** A ConfigMap data key. */
export const CONFIG_MAP_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

/** Seconds in a `DURATION_PATTERN` string; NaN when it does not match or is empty. */
export function durationSeconds(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!text || !m) return Number.NaN;
  const n = (s: string | undefined) => (s ? Number.parseInt(s, 10) : 0);
  return n(m[1]) * 3600 + n(m[2]) * 60 + n(m[3]);
}

/** A reference to another object of this API by `metadata.name`, always in the same namespace. */
export const objectName = (description: string) =>
  z.string().min(1).max(253).regex(DNS_SUBDOMAIN_PATTERN).describe(description);

export const displayName = (what: string) =>
  z.string().min(1).max(256).describe(`Human-readable name of ${what}, up to 256 characters.`);

/**
 * Object metadata as the embedded loader reads it from a manifest file. Only `name` matters (and is checked
 * like the API server checks it); other fields are accepted and ignored, as `kubectl apply` would keep them.
 */
export const ObjectMeta = z.looseObject({
  name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN_PATTERN),
  namespace: z.string().max(63).regex(DNS_LABEL_PATTERN).optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** metav1.Condition. */
export const Condition = z
  .strictObject({
    type: z
      .string()
      .min(1)
      .max(316)
      .describe(
        'Type of the condition: `Ready` on every kind, `McpServersReady` on AgentGroups with MCP servers.',
      ),
    status: z.enum(CONDITION_STATUSES).describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation of the spec this condition was computed from.'),
    lastTransitionTime: z
      .string()
      .describe('When the condition last changed status (RFC 3339).')
      .meta({ format: 'date-time' }),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe('One CamelCase word saying why, e.g. `Projected` or `AgentGroupNotFound`.'),
    message: z.string().max(32768).describe('What happened, in words, and what to do about it.'),
  })
  .describe('One aspect of the current state (metav1.Condition).');
export type Condition = z.infer<typeof Condition>;

/** Status fields every kind has; kinds extend it with their own observed values. */
export const statusBase = {
  observedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('metadata.generation of the spec last reconciled into the central DB.'),
  conditions: listMap(Condition, 'type', {
    maxItems: 8,
    description:
      'Current state; the `Ready` condition says whether the spec is projected into the central DB.',
  }).optional(),
};
