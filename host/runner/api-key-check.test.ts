import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../test/support/fake-anthropic.js';
import { apiKeyCheckUrl, checkApiKey } from './api-key-check.js';

const GOOD_KEY = 'sk-ant-api03-the-good-key';
const BAD_KEY = 'sk-ant-api03-a-revoked-key';
let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await FakeAnthropic.start(undefined, { apiKey: GOOD_KEY });
});
afterAll(() => fake.close());

/** A plain server on 127.0.0.1 (a gateway, or one that never answers); resolves with its URL and a closer. */
async function server(handler: http.RequestListener) {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () => {
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

describe('checkApiKey', () => {
  it('accepts a key the model API accepts, asking the models list with only that key', async () => {
    const before = fake.requests.length;
    expect(await checkApiKey({ apiKey: GOOD_KEY, upstream: fake.url, timeoutMs: 2000 })).toEqual({
      result: 'accepted',
    });
    const [req, ...more] = fake.requests.slice(before);
    expect(more).toEqual([]);
    expect(req).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(req!.headers['x-api-key']).toBe(GOOD_KEY);
    expect(req!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('reports a key the API refuses (401) with its message and without the key', async () => {
    const check = await checkApiKey({ apiKey: BAD_KEY, upstream: fake.url, timeoutMs: 2000 });
    expect(check).toEqual({ result: 'refused', status: 401, message: 'invalid x-api-key' });
    expect(JSON.stringify(check)).not.toContain(BAD_KEY);
  });

  it('cannot tell (and does not refuse) when the upstream is down, silent, or has no models list', async () => {
    const down = await server((_req, res) => res.end());
    await down.close();
    const silent = await server(() => undefined);
    const gateway = await server((_req, res) => {
      res.writeHead(404).end('not here');
    });
    try {
      const [refused, timedOut, notFound] = await Promise.all([
        checkApiKey({ apiKey: GOOD_KEY, upstream: down.url, timeoutMs: 2000 }),
        checkApiKey({ apiKey: GOOD_KEY, upstream: silent.url, timeoutMs: 300 }),
        checkApiKey({ apiKey: GOOD_KEY, upstream: gateway.url, timeoutMs: 2000 }),
      ]);
      expect(refused).toEqual({ result: 'unchecked', reason: `${down.url}: ECONNREFUSED` });
      expect(timedOut).toEqual({ result: 'unchecked', reason: `${silent.url}: no answer within 300 ms` });
      expect(notFound).toEqual({
        result: 'unchecked',
        reason: `${gateway.url} answered HTTP 404 to /v1/models`,
      });
    } finally {
      await Promise.all([silent.close(), gateway.close()]);
    }
  });

  it('stops early, unchecked, when the host is stopping', async () => {
    const silent = await server(() => undefined);
    const stop = new AbortController();
    const pending = checkApiKey({
      apiKey: GOOD_KEY,
      upstream: silent.url,
      timeoutMs: 30_000,
      signal: stop.signal,
    });
    stop.abort();
    expect((await pending).result).toBe('unchecked');
    await silent.close();
  });

  it('asks under the configured base path, like the credential proxy', () => {
    expect(apiKeyCheckUrl('https://gw.example/anthropic/').href).toBe(
      'https://gw.example/anthropic/v1/models?limit=1',
    );
    expect(apiKeyCheckUrl('https://api.anthropic.com').href).toBe(
      'https://api.anthropic.com/v1/models?limit=1',
    );
  });
});
