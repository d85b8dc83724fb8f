import { describe, expect, it } from 'vitest';
import { EGRESS_HOST_PATTERN, matchEgress, normalizeEgressName } from './egress.js';

describe('egress names', () => {
  it('normalizes to lower case without one trailing dot, and refuses what is not a DNS name', () => {
    expect(normalizeEgressName('API.GitHub.com.')).toBe('api.github.com');
    expect(normalizeEgressName('localhost')).toBe('localhost');
    for (const bad of ['127.0.0.1', '::1', '[::1]', 'a..b', '-a.com', 'a.com..', '*.a.com', 'a_b.com', ''])
      expect(normalizeEgressName(bad)).toBeNull();
  });

  it('takes names and *. wildcards as entries, never IP addresses', () => {
    for (const ok of ['api.github.com', '*.example.com', 'localhost', 'xn--80ak6aa92e.com'])
      expect(EGRESS_HOST_PATTERN.test(ok)).toBe(true);
    for (const bad of ['10.0.0.1', '*.*.a.com', 'a.*.com', '*', 'A.com', 'a.com:443'])
      expect(EGRESS_HOST_PATTERN.test(bad)).toBe(false);
  });
});

describe('matchEgress', () => {
  const rules = [
    { host: 'api.github.com', ports: [443] },
    { host: '*.example.com', ports: [443, 8443] },
    { host: 'a.example.com', ports: [8080] },
  ];

  it('allows an exact name on a listed port', () => {
    expect(matchEgress(rules, 'api.github.com', 443)).toEqual({ ok: true, rule: rules[0], wildcard: false });
  });

  it('lets a wildcard match names below the domain at any depth, never the domain itself', () => {
    expect(matchEgress(rules, 'x.y.example.com', 8443)).toMatchObject({ ok: true, wildcard: true });
    expect(matchEgress(rules, 'example.com', 443)).toEqual({
      ok: false,
      reason: "example.com is not in this agent group's spec.egress",
    });
    expect(matchEgress(rules, 'badexample.com', 443).ok).toBe(false);
  });

  it('prefers an exact entry with the port, and falls back to a wildcard with it', () => {
    expect(matchEgress(rules, 'a.example.com', 8080)).toEqual({ ok: true, rule: rules[2], wildcard: false });
    expect(matchEgress(rules, 'a.example.com', 443)).toEqual({ ok: true, rule: rules[1], wildcard: true });
  });

  it('names the entry and its ports when only the port is wrong', () => {
    expect(matchEgress(rules, 'api.github.com', 80)).toEqual({
      ok: false,
      reason: 'port 80 is not allowed for api.github.com (spec.egress api.github.com: ports 443)',
    });
  });
});
