/**
 * Invalid `spec.egress[].headers` (credentials per destination), each with the one field the API server and the
 * embedded loader must name. Part of INVALID_MANIFESTS (invalid-manifests.ts), so both tiers run them.
 */
import type { InvalidCase } from './invalid-case.js';

const withHeaders = (name: string, entry: Record<string, unknown>) => ({
  apiVersion: 'nanoclaw.dev/v1alpha1',
  kind: 'AgentGroup',
  metadata: { name },
  spec: { egress: [{ host: 'api.example.com', ...entry }] },
});
const secret = { valueFrom: { secretKeyRef: { name: 'example-api', key: 'key' } } };

export const INVALID_EGRESS_HEADERS: InvalidCase[] = [
  ...(
    [
      ['egress header with both value and valueFrom', { name: 'X-Org', value: 'a', ...secret }, 'value'],
      ['egress header with neither value nor valueFrom', { name: 'X-Org' }, 'value'],
      ['egress header name that is not an HTTP token', { name: 'X Org', value: 'a' }, 'name'],
      ['egress header the host sets (Host)', { name: 'Host', value: 'other.example' }, 'name'],
      ['egress header Proxy-Authorization', { name: 'Proxy-Authorization', ...secret }, 'name'],
      ['egress header Transfer-Encoding', { name: 'transfer-encoding', value: 'chunked' }, 'name'],
      ['egress literal Authorization header', { name: 'Authorization', value: 'x' }, 'value'],
      ['egress literal X-Api-Key header', { name: 'X-Api-Key', value: 'x' }, 'value'],
      ['egress header value that looks like a token', { name: 'X-Org', value: 'sk-abc' }, 'value'],
      ['egress header value like an AWS key', { name: 'X-Org', value: 'akiaABCDEFGHIJKL0123' }, 'value'],
      ['egress header value with an auth scheme', { name: 'X-Org', value: 'BASIC dXNlcjpwdw==' }, 'value'],
      [
        'egress header Secret name not a DNS name',
        { name: 'X-Key', valueFrom: { secretKeyRef: { name: 'My_Secret', key: 'k' } } },
        'valueFrom.secretKeyRef.name',
      ],
      [
        'egress header Secret without key',
        { name: 'X-Key', valueFrom: { secretKeyRef: { name: 's' } } },
        'valueFrom.secretKeyRef.key',
      ],
    ] as const
  ).map(([name, header, field], i) => ({
    name,
    manifest: withHeaders(`egress-h${i}`, { headers: [header] }),
    field: `spec.egress[0].headers[0].${field}`,
  })),
  {
    name: 'egress header listed twice',
    manifest: withHeaders('egress-hdup', {
      headers: [
        { name: 'X-Org', value: 'a' },
        { name: 'X-Org', value: 'b' },
      ],
    }),
    field: 'spec.egress[0].headers[1]',
  },
  {
    name: 'egress headers differing only in case',
    manifest: withHeaders('egress-hcase', {
      headers: [
        { name: 'X-Org', value: 'a' },
        { name: 'x-org', value: 'b' },
      ],
    }),
    field: 'spec.egress[0].headers',
  },
  {
    name: 'egress with more than 8 headers',
    manifest: withHeaders('egress-hmany', {
      headers: Array.from({ length: 9 }, (_, i) => ({ name: `X-H${i}`, value: 'v' })),
    }),
    field: 'spec.egress[0].headers',
  },
  {
    name: 'egress headers on a wildcard host',
    manifest: {
      ...withHeaders('egress-hwild', {}),
      spec: { egress: [{ host: '*.example.com', headers: [{ name: 'X-Key', ...secret }] }] },
    },
    field: 'spec.egress[0].headers',
  },
];
