import { describe, expect, it } from 'vitest';
import type { EgressEntry } from '../db/runner-config.js';
import {
  downstreamResponseHeaders,
  planForward,
  tunnelRefusal,
  upstreamRequestHeaders,
} from './forward-plan.js';

const keyed: EgressEntry = {
  host: 'api.example.com',
  ports: [443, 8443],
  headers: [{ name: 'X-Api-Key', secretKeyRef: { name: 'example', key: 'key' } }],
  namespace: 'team',
};
const plain: EgressEntry = { host: 'files.example.com', ports: [443] };
const wildcard: EgressEntry = { host: '*.example.com', ports: [443] };
const rules = [keyed, plain, wildcard];

const refusal = (target: string, list: EgressEntry[] = rules) => {
  const plan = planForward(list, target);
  return plan.ok ? 'forwarded' : `${plan.status} ${plan.reason}`;
};

describe('planForward (a plain-http request through the egress proxy)', () => {
  it('forwards to an entry with headers, port 443 when the URL names none, path and query as written', () => {
    expect(planForward(rules, 'http://api.example.com/v1/items?q=a%20b&x=1')).toEqual({
      ok: true,
      entry: keyed,
      name: 'api.example.com',
      port: 443,
      path: '/v1/items?q=a%20b&x=1',
      wildcard: false,
    });
  });

  it('takes an explicit port from the list, an upper-case name, a bare authority and a query without a path', () => {
    const plan = planForward(rules, 'http://API.Example.com.:8443');
    expect(plan.ok && [plan.name, plan.port, plan.path]).toEqual(['api.example.com', 8443, '/']);
    const query = planForward(rules, 'http://api.example.com?x=1');
    expect(query.ok && query.path).toBe('/?x=1');
  });

  it('drops a fragment', () => {
    const plan = planForward(rules, 'http://api.example.com/a#frag');
    expect(plan.ok && plan.path).toBe('/a');
  });

  it('refuses plain http to an entry without headers, saying to use https', () => {
    expect(refusal('http://files.example.com/x')).toBe(
      '403 plain http is not forwarded to files.example.com: its spec.egress entry has no headers, so use https://files.example.com/… (a CONNECT tunnel)',
    );
    expect(refusal('http://other.example.com/')).toMatch(
      /^403 plain http is not forwarded to other\.example\.com/,
    );
  });

  it('refuses a port the entry does not list, and a host outside the list', () => {
    expect(refusal('http://api.example.com:80/')).toBe(
      '403 port 80 is not allowed for api.example.com (spec.egress api.example.com: ports 443, 8443)',
    );
    expect(refusal('http://api.github.com/')).toBe(
      "403 api.github.com is not in this agent group's spec.egress",
    );
  });

  it('refuses other schemes, userinfo, IP literals and what is not a URL', () => {
    expect(refusal('https://api.example.com/')).toBe(
      '403 only http:// requests are forwarded (the host adds TLS), not https://',
    );
    expect(refusal('http://user:pw@api.example.com/')).toBe(
      '403 user names and passwords in the URL are refused',
    );
    expect(refusal('http://127.0.0.1/')).toBe('403 IP addresses are refused: spec.egress lists host names');
    expect(refusal('http://[::1]:443/')).toBe('403 IP addresses are refused: spec.egress lists host names');
    expect(refusal('http://api.example.com:99999/')).toBe('403 the URL has no valid host[:port]');
    expect(refusal('http://exa_mple/')).toBe('403 the target is not a host name');
    expect(refusal('/relative')).toBe('400 a proxied request-target is an absolute http:// URL');
  });

  it('refuses everything for a group without spec.egress', () => {
    expect(refusal('http://api.example.com/', [])).toBe(
      '403 this agent group has no spec.egress: it reaches only the host',
    );
  });

  it('keeps the target it names to the authority, never the path or query', () => {
    const plan = planForward(rules, 'http://files.example.com/secret-path?token=abc');
    expect(!plan.ok && plan.target).toBe('files.example.com');
  });
});

describe('tunnelRefusal (CONNECT to an entry)', () => {
  it('refuses a tunnel to an entry with headers, saying to call it over http://', () => {
    expect(tunnelRefusal(keyed, 'api.example.com', 443)).toBe(
      'api.example.com gets its credentials from the host: call http://api.example.com/… through the proxy (not https), so the host adds them and speaks https itself',
    );
    expect(tunnelRefusal(keyed, 'api.example.com', 8443)).toContain('call http://api.example.com:8443/…');
  });

  it('lets a tunnel to an entry without headers open', () => {
    expect(tunnelRefusal(plain, 'files.example.com', 443)).toBeNull();
  });
});

describe('upstreamRequestHeaders', () => {
  it('drops the proxy credentials, hop-by-hop headers and those Connection names; sets Host', () => {
    const out = upstreamRequestHeaders(
      {
        host: 'api.example.com',
        'proxy-authorization': 'Basic bmFub2NsYXc6bmN0X3NlY3JldA==',
        'proxy-connection': 'keep-alive',
        connection: 'keep-alive, x-hop',
        'x-hop': 'gone',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'websocket',
        accept: 'application/json',
        'content-length': '12',
      },
      {},
      'api.example.com',
      443,
    );
    expect(out).toEqual({ accept: 'application/json', 'content-length': '12', host: 'api.example.com' });
  });

  it('replaces a header the runner sent with the configured one, whatever its case', () => {
    const out = upstreamRequestHeaders(
      { 'x-api-key': 'forged', authorization: 'Bearer forged', accept: '*/*' },
      { 'X-Api-Key': 'real', Authorization: 'Bearer real' },
      'api.example.com',
      8443,
    );
    expect(out).toEqual({
      accept: '*/*',
      'X-Api-Key': 'real',
      Authorization: 'Bearer real',
      host: 'api.example.com:8443',
    });
  });
});

describe('downstreamResponseHeaders', () => {
  it('passes the answer’s headers back except hop-by-hop ones', () => {
    expect(
      downstreamResponseHeaders({
        'content-type': 'application/json',
        location: 'https://api.example.com/next',
        connection: 'close, x-hop',
        'x-hop': 'gone',
        'transfer-encoding': 'chunked',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
      }),
    ).toEqual({ 'content-type': 'application/json', location: 'https://api.example.com/next' });
  });
});
