import { describe, expect, it } from 'vitest';
import { egressProxyEnv } from './egress-env.js';

describe('egressProxyEnv', () => {
  it('points both proxy variables at the host URL with the token as password, and keeps the host and loopback direct', () => {
    const env = egressProxyEnv('http://nanoclaw-runner.ns.svc:3001', 'nct_abc-DEF_123');
    expect(env.HTTPS_PROXY).toBe('http://nanoclaw:nct_abc-DEF_123@nanoclaw-runner.ns.svc:3001');
    expect(env.http_proxy).toBe(env.HTTPS_PROXY);
    expect(env.NO_PROXY).toBe('nanoclaw-runner.ns.svc,localhost,127.0.0.1,::1');
    expect(env.no_proxy).toBe(env.NO_PROXY);
  });

  it('percent-encodes a token character a URL would read otherwise', () => {
    expect(egressProxyEnv('http://127.0.0.1:40000', 'tok@en/1234567890').https_proxy).toBe(
      'http://nanoclaw:tok%40en%2F1234567890@127.0.0.1:40000',
    );
  });
});
