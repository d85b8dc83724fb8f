/**
 * The egress allow-list of an agent group (AgentGroup `spec.egress`): which host names and ports its runners may
 * open a tunnel to through the host's egress proxy. Shared by the CRD schema, the projection and the proxy.
 *
 * Invariants:
 * - An entry is a lower-case DNS name (`api.github.com`) or a wildcard `*.` + a name of at least two labels
 *   (`*.example.com`, which matches every name below it at any depth, never `example.com` itself). The last label
 *   starts with a letter, so an IPv4 address is never a name; IPv6 addresses and CIDRs have characters no name has.
 * - A name asked for is compared after normalization (lower-case, one trailing dot dropped); anything that is not
 *   a DNS name after that (an IP literal, a bracketed IPv6 address, a port-like suffix) matches no entry.
 * - An exact entry (with the port) wins over a wildcard for the same name, so the stricter address rule of a
 *   wildcard (host/egress/egress-address.ts) never applies to a name the list also names exactly.
 */

/** Most entries in one agent group's list. */
export const MAX_EGRESS_RULES = 64;
/** Most ports in one entry. */
export const MAX_EGRESS_PORTS = 16;
/** Ports of an entry that names none. */
export const DEFAULT_EGRESS_PORTS = [443] as const;

const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const LAST_LABEL = '[a-z]([-a-z0-9]{0,61}[a-z0-9])?';
/** A DNS name whose last label starts with a letter (RE2 and JS alike). */
const EGRESS_NAME_SOURCE = `(${LABEL}\\.)*${LAST_LABEL}`;
/** An allow-list entry: a name, or `*.` and a name (RE2 and JS alike). */
export const EGRESS_HOST_PATTERN = new RegExp(`^(\\*\\.)?${EGRESS_NAME_SOURCE}$`);
const NAME = new RegExp(`^${EGRESS_NAME_SOURCE}$`);
export const EGRESS_HOST_MAX = 253;

export interface EgressRule {
  host: string;
  ports: number[];
}

/** The name as the allow-list compares it, or null when it is not a DNS name (an IP literal, say). */
export function normalizeEgressName(raw: string): string | null {
  const name = raw.toLowerCase().replace(/\.$/, '');
  return name.length <= EGRESS_HOST_MAX && NAME.test(name) ? name : null;
}

export type EgressMatch<R extends EgressRule = EgressRule> =
  { ok: true; rule: R; wildcard: boolean } | { ok: false; reason: string };

/**
 * Which entry of `rules` lets a tunnel to `name:port` through (name already normalized), or why none does. Exact
 * entries are tried before wildcards; an entry counts only with the port in its list.
 */
export function matchEgress<R extends EgressRule>(
  rules: readonly R[],
  name: string,
  port: number,
): EgressMatch<R> {
  const exact = rules.filter((r) => r.host === name);
  const wildcards = rules.filter((r) => r.host.startsWith('*.') && name.endsWith(r.host.slice(1)));
  const hit = exact.find((r) => r.ports.includes(port)) ?? wildcards.find((r) => r.ports.includes(port));
  if (hit) return { ok: true, rule: hit, wildcard: !exact.includes(hit) };
  const named = [...exact, ...wildcards][0];
  if (!named) return { ok: false, reason: `${name} is not in this agent group's spec.egress` };
  return {
    ok: false,
    reason: `port ${port} is not allowed for ${name} (spec.egress ${named.host}: ports ${named.ports.join(', ')})`,
  };
}
