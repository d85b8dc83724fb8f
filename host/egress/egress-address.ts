/**
 * Which resolved addresses an egress tunnel may connect to. The proxy resolves a name itself and connects to an
 * address it checked here, never to a name again, so a DNS answer that changes between check and connect
 * (rebinding) cannot slip past.
 *
 * Invariants:
 * - Through a wildcard entry only public unicast addresses are reached: loopback, private (RFC 1918, ULA),
 *   link-local, carrier-grade NAT (where cluster networks often live), unspecified, multicast and reserved ranges
 *   are refused, also when written as IPv4-mapped IPv6. A name under `*.example.com` that resolves to 127.0.0.1
 *   never reaches the host's own ports.
 * - An exact entry (`git.internal`, `localhost`) is the admin naming that host: it may reach any address the name
 *   resolves to, internal ones included. Trusting a name's DNS is part of listing it exactly.
 */
import net from 'node:net';

const NON_PUBLIC = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b:1::', 48],
] as const)
  NON_PUBLIC.addSubnet(prefix, bits, 'ipv6');

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** True for a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const mapped = MAPPED_V4.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  const family = net.isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The addresses a tunnel may use, in resolver order; empty when none may. */
export function allowedAddresses(addresses: readonly string[], wildcard: boolean): string[] {
  return wildcard ? addresses.filter(isPublicAddress) : [...addresses];
}
