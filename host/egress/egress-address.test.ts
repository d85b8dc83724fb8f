import { describe, expect, it } from 'vitest';
import { allowedAddresses, isPublicAddress } from './egress-address.js';

describe('egress addresses', () => {
  it('counts only public unicast addresses as public', () => {
    for (const ok of ['140.82.112.5', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPublicAddress(ok)).toBe(true);
    for (const internal of [
      '127.0.0.1',
      '10.96.0.1',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.10',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      'not-an-address',
    ])
      expect(isPublicAddress(internal)).toBe(false);
  });

  it('keeps only public addresses for a wildcard entry and every address for an exact one', () => {
    const addresses = ['127.0.0.1', '140.82.112.5', '10.0.0.1'];
    expect(allowedAddresses(addresses, true)).toEqual(['140.82.112.5']);
    expect(allowedAddresses(addresses, false)).toEqual(addresses);
  });
});
