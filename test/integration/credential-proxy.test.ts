/**
 * The credential proxy on the real runner server, with real HTTP servers on 127.0.0.1 as the model API upstream
 * and as "other.host" — a second server that must never be reached, whatever request-target a runner holding a
 * valid session token sends. Allowed calls land on the upstream, under its base path, with the host's key.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../host/db/schema.js';
import { RunnerLink } from '../../host/runner/runner-link.js';
import { createRunnerServer } from '../../host/runner/runner-server.js';
import { rawRequest, type RawResponse } from '../support/raw-request.js';
import { RecordingServer } from '../support/recording-server.js';
import { NO_SECRETS } from '../../host/mcp/secret-source.js';

const REAL_KEY = 'sk-ant-api03-the-real-key-held-only-by-the-host';
const TOKEN_A = 'nct_session-a-token-0123456789';
const TOKEN_B = 'nct_session-b-token-0123456789';
const SESSIONS: Record<string, Session> = {
  [TOKEN_A]: { id: 'sess-a', status: 'active' } as Session,
  [TOKEN_B]: { id: 'sess-b', status: 'active' } as Session,
};

interface Proxy {
  url: string;
  logs: string[];
  /** `outcome status` of every counted call, in order. */
  counted: string[];
  close(): Promise<void>;
}

async function startProxy(
  upstream: string,
  limits: { maxBodyBytes?: number; ratePerMinute?: number; rateBurst?: number } = {},
): Promise<Proxy> {
  const logs: string[] = [];
  const counted: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const link = new RunnerLink(log);
  const server = createRunnerServer({
    link,
    authenticate: (token) => SESSIONS[token],
    proxy: {
      apiKey: REAL_KEY,
      upstream,
      maxBodyBytes: limits.maxBodyBytes ?? 1024 * 1024,
      ratePerMinute: limits.ratePerMinute ?? 6000,
      rateBurst: limits.rateBurst ?? 1000,
      log,
      count: ({ outcome, status }) => counted.push(`${outcome} ${status}`),
    },
    mcpProxy: { upstreamOf: () => undefined, secrets: NO_SECRETS, maxBodyBytes: 1024, log },
    log,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs,
    counted,
    close: async () => {
      link.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function call(
  proxy: Proxy,
  target: string,
  opts: { method?: string; token?: string; body?: string; chunked?: boolean } = {},
): Promise<RawResponse> {
  return rawRequest({
    base: proxy.url,
    method: opts.method ?? 'POST',
    target,
    headers: {
      'x-api-key': opts.token ?? TOKEN_A,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: opts.body ?? '{"model":"claude-sonnet-4-5","max_tokens":1,"messages":[]}',
    ...(opts.chunked ? { chunked: true } : {}),
  });
}

function errorOf(res: RawResponse): { type: string; error: { type: string; message: string } } {
  expect(res.headers['content-type']).toBe('application/json');
  return JSON.parse(res.body) as { type: string; error: { type: string; message: string } };
}

let upstream: RecordingServer;
let other: RecordingServer;

beforeAll(async () => {
  upstream = await RecordingServer.start();
  other = await RecordingServer.start();
});

afterEach(() => {
  const hits = other.seen.splice(0);
  expect(hits).toEqual([]);
});

afterAll(async () => {
  await upstream?.close();
  await other?.close();
});

describe('the credential proxy forwards only allow-listed calls to the configured upstream', () => {
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await startProxy(upstream.url);
  });
  afterAll(() => proxy?.close());

  it('forwards POST /v1/messages?beta=true and /v1/messages/count_tokens with the real key instead of the token', async () => {
    upstream.seen.length = 0;
    expect((await call(proxy, '/proxy/anthropic/v1/messages?beta=true')).status).toBe(200);
    expect((await call(proxy, '/proxy/anthropic/v1/messages/count_tokens')).status).toBe(200);
    expect(upstream.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/messages?beta=true',
      'POST /v1/messages/count_tokens',
    ]);
    for (const r of upstream.seen) {
      expect(r.headers['x-api-key']).toBe(REAL_KEY);
      expect(r.headers.host).toBe(upstream.authority);
      expect(JSON.stringify(r.headers)).not.toContain('nct_');
    }
  });

  it.each([
    ['a doubled slash', 400, (o: string) => `/proxy/anthropic//${o}/x`],
    ['a backslash', 400, (o: string) => `/proxy/anthropic/\\${o}/x`],
    ['a backslash then a slash', 400, (o: string) => `/proxy/anthropic/\\/${o}/v1/messages`],
    ['percent-encoded slashes', 400, (o: string) => `/proxy/anthropic/%2F%2F${o}/v1/messages`],
    ['a percent-encoded backslash', 400, (o: string) => `/proxy/anthropic/%5C${o}/v1/messages`],
    ['userinfo after the prefix', 404, (o: string) => `/proxy/anthropic@${o}/v1/messages`],
    ['an absolute URL in the path', 400, (o: string) => `/proxy/anthropic/http://${o}/v1/messages`],
    ['an encoded absolute URL', 400, (o: string) => `/proxy/anthropic/http:%2F%2F${o}/v1/messages`],
    ['an absolute-form request target', 404, (o: string) => `http://${o}/proxy/anthropic/v1/messages`],
  ])(
    'refuses %s with %i, reaching neither the other host nor the upstream',
    async (_what, status, target) => {
      upstream.seen.length = 0;
      const res = await call(proxy, target(other.authority));
      expect(res.status).toBe(status);
      expect(errorOf(res)).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
      expect(upstream.seen).toEqual([]);
    },
  );

  it.each([
    ['.. traversal out of the allow-list', '/proxy/anthropic/v1/messages/../../v1/files', 404],
    ['%2e%2e traversal out of the allow-list', '/proxy/anthropic/v1/messages/%2e%2e/%2e%2e/v1/files', 404],
    ['.. above the root', '/proxy/anthropic/../../admin', 400],
    ['a path not on the allow-list', '/proxy/anthropic/v1/files', 404],
    ['a query other than beta=true', '/proxy/anthropic/v1/messages?beta=true&redirect=1', 400],
    ['a double-encoded dot segment', '/proxy/anthropic/v1/%252e%252e/files', 400],
  ])('refuses %s (%s) with %i before the upstream is contacted', async (_what, target, status) => {
    upstream.seen.length = 0;
    const res = await call(proxy, target);
    expect(res.status).toBe(status);
    expect(errorOf(res).type).toBe('error');
    expect(upstream.seen).toEqual([]);
  });

  it('answers a wrong method on an allow-listed path with 405 and an allow header', async () => {
    upstream.seen.length = 0;
    const res = await call(proxy, '/proxy/anthropic/v1/messages', { method: 'GET', body: '' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(errorOf(res).error.type).toBe('invalid_request_error');
    expect(upstream.seen).toEqual([]);
  });

  it('logs a refusal with the session and reason, never the token, the key or the body', async () => {
    proxy.logs.length = 0;
    await call(proxy, `/proxy/anthropic//${other.authority}/x`, { body: '{"secret-body":"do-not-log"}' });
    const lines = proxy.logs.filter((l) => l.includes('credential proxy refused a call'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ sessionId: 'sess-a', method: 'POST', status: 400 });
    const all = proxy.logs.join('\n');
    for (const secret of [TOKEN_A, REAL_KEY, 'do-not-log']) expect(all).not.toContain(secret);
  });
});

describe('an upstream with a base path', () => {
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await startProxy(`${upstream.url}/anthropic/`);
  });
  afterAll(() => proxy?.close());

  it('lands allowed calls under the base path', async () => {
    upstream.seen.length = 0;
    expect((await call(proxy, '/proxy/anthropic/v1/messages?beta=true')).status).toBe(200);
    expect(upstream.seen.map((r) => r.url)).toEqual(['/anthropic/v1/messages?beta=true']);
  });

  it('does not let .. climb out of the base path', async () => {
    upstream.seen.length = 0;
    const res = await call(proxy, '/proxy/anthropic/../v1/messages');
    expect(res.status).toBe(400);
    expect(upstream.seen).toEqual([]);
  });
});

describe('per-session limits', () => {
  let proxy: Proxy;
  afterEach(() => proxy?.close());

  it('answers a body over the limit with 413, declared or chunked, without contacting the upstream', async () => {
    proxy = await startProxy(upstream.url, { maxBodyBytes: 4096 });
    upstream.seen.length = 0;
    const big = JSON.stringify({ pad: 'x'.repeat(5000) });
    for (const chunked of [false, true]) {
      const res = await call(proxy, '/proxy/anthropic/v1/messages', { body: big, chunked });
      expect(res.status).toBe(413);
      expect(errorOf(res).error).toMatchObject({ type: 'request_too_large' });
      expect(errorOf(res).error.message).toContain('4096 bytes');
    }
    expect(upstream.seen).toEqual([]);
    const fits = JSON.stringify({ pad: 'x'.repeat(4000) });
    const res = await call(proxy, '/proxy/anthropic/v1/messages', { body: fits, chunked: true });
    expect(res.status).toBe(200);
    expect(upstream.seen.map((r) => r.bodyBytes)).toEqual([Buffer.byteLength(fits)]);
  });

  it('answers calls past the burst with 429 and retry-after, per session', async () => {
    proxy = await startProxy(upstream.url, { ratePerMinute: 60, rateBurst: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(proxy, '/proxy/anthropic/v1/messages')).status);
    const limited = await call(proxy, '/proxy/anthropic/v1/messages');
    expect(statuses).toEqual([200, 200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(errorOf(limited).error.type).toBe('rate_limit_error');
    expect((await call(proxy, '/proxy/anthropic/v1/messages', { token: TOKEN_B })).status).toBe(200);
  });
});

describe('counting', () => {
  it('counts every call once by outcome: forwarded with the upstream status, refused, upstream unreachable', async () => {
    const proxy = await startProxy(upstream.url);
    const dead = await startProxy('http://127.0.0.1:9');
    try {
      expect((await call(proxy, '/proxy/anthropic/v1/messages')).status).toBe(200);
      expect((await call(proxy, '/proxy/anthropic/v1/other')).status).toBe(404);
      expect((await call(dead, '/proxy/anthropic/v1/messages')).status).toBe(502);
      expect(proxy.counted).toEqual(['forwarded 200', 'refused 404']);
      expect(dead.counted).toEqual(['upstream_error 502']);
    } finally {
      await proxy.close();
      await dead.close();
    }
  });
});

describe('the runner port itself', () => {
  it('still refuses an unknown token before looking at the path', async () => {
    const proxy = await startProxy(upstream.url);
    try {
      const res = await call(proxy, `/proxy/anthropic//${other.authority}/x`, { token: 'nct_forged' });
      expect(res.status).toBe(401);
    } finally {
      await proxy.close();
    }
  });
});
