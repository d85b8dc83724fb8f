/**
 * AgentGroup `spec.egress[]`: the hosts its runners may reach through the host's egress proxy (HTTPS CONNECT
 * tunnels). Without it a runner reaches only the host.
 *
 * Rules kept here (CEL for the API server, the same rule in TypeScript for the embedded loader; protocol/egress.ts
 * has the name syntax and the matching):
 * - `host` is a lower-case DNS name or `*.` + a name of at least two labels; IP addresses, CIDRs, ports in the
 *   name and any other `*` are refused with a message saying so. Entries are keyed by host (list-map).
 * - `ports` is a set of 1–16 TCP ports, default [443].
 * - `headers` (http-headers.ts, the same rules as a remote MCP server's) make the entry one the host forwards
 *   plain-http requests to over TLS, adding them; only an exact host may have them, never a wildcard (the
 *   credentials would go to every name under the domain, which the runner picks).
 */
import { z } from 'zod';
import {
  DEFAULT_EGRESS_PORTS,
  EGRESS_HOST_MAX,
  EGRESS_HOST_PATTERN,
  MAX_EGRESS_PORTS,
  MAX_EGRESS_RULES,
} from '../../../protocol/egress.js';
import { forwardHeaders } from './http-headers.js';
import { listMap, withRules } from './rules.js';

/** Headers of one entry: fewer than a remote MCP server's 16, since the list sits in a list of 64 (CEL cost). */
const MAX_EGRESS_HEADERS = 8;

const IP_LIKE = /^[0-9.]+(\/[0-9]+)?$|:|\[|\//;
const BAD_WILDCARD = /\*(?!\.)|.\*|^\*\.[^.]*$/;

const Host = withRules(
  z
    .string()
    .min(1)
    .max(EGRESS_HOST_MAX)
    .regex(EGRESS_HOST_PATTERN)
    .describe(
      'Host name the runners may reach, lower-case (`api.github.com`), or `*.` and a domain of at least two labels (`*.example.com`: every name below it, not the domain itself). No IP addresses or CIDRs.',
    ),
  [
    {
      cel: "!self.matches('^[0-9.]+(/[0-9]+)?$') && !self.contains(':') && !self.contains('[') && !self.contains('/')",
      message: 'IP addresses, CIDRs and ports are not allowed here: name the host (ports go in ports)',
      reason: 'FieldValueForbidden',
      holds: (h) => !IP_LIKE.test(h),
    },
    {
      cel: 'self == self.lowerAscii()',
      message: 'host names are written in lower case here',
      reason: 'FieldValueInvalid',
      holds: (h) => h === h.toLowerCase(),
    },
    {
      cel: "!self.contains('*') || self.matches('^\\\\*\\\\.[^*]+\\\\.[^*]+$')",
      message:
        'a wildcard is only a leading `*.` followed by a domain of at least two labels, e.g. *.example.com',
      reason: 'FieldValueInvalid',
      holds: (h) => !h.includes('*') || !BAD_WILDCARD.test(h),
    },
  ],
);

const Port = z.number().int().min(1).max(65535).describe('A TCP port.');

const Ports = z
  .array(Port)
  .min(1)
  .max(MAX_EGRESS_PORTS)
  .superRefine((ports, ctx) => {
    ports.forEach((p, i) => {
      if (ports.indexOf(p) !== i)
        ctx.addIssue({
          code: 'custom',
          message: `Duplicate value: ${p}`,
          path: [i],
          params: { reason: 'FieldValueDuplicate' },
        });
    });
  })
  .meta({ 'x-kubernetes-list-type': 'set' })
  .default([...DEFAULT_EGRESS_PORTS])
  .describe(`TCP ports allowed for this host, 1 to ${MAX_EGRESS_PORTS} distinct ones. Default [443].`);

const EgressRule = withRules(
  z
    .strictObject({
      host: Host,
      ports: Ports,
      headers: forwardHeaders(
        MAX_EGRESS_HEADERS,
        'Headers the host adds to every request it forwards to this host (keyed by name; Secret values read at request time). With headers the runners call http://<host>[:port]/… through their HTTP_PROXY and the host forwards over https, certificate verified; CONNECT to this host is refused. Not for a wildcard host.',
      ).optional(),
    })
    .describe('One host (or wildcard domain) and the ports the runners may reach it on.'),
  [
    {
      cel: "!has(self.headers) || !self.host.startsWith('*.')",
      message:
        'headers are only for an exact host: on a wildcard they would go to every name under the domain',
      field: 'headers',
      reason: 'FieldValueForbidden',
      holds: (r) => r.headers === undefined || !r.host.startsWith('*.'),
    },
  ],
);

export const Egress = listMap(EgressRule, 'host', {
  maxItems: MAX_EGRESS_RULES,
  description:
    "Hosts the runners may reach through the host's egress proxy (HTTPS_PROXY, CONNECT tunnels), keyed by host. Without it runners reach only the host. Other hosts are refused with a reason the agent sees.",
});
