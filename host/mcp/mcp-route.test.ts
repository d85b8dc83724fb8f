import { describe, expect, it } from 'vitest';
import { routeMcpRequest } from './mcp-route.js';

describe('routeMcpRequest', () => {
  it('passes the streamable-HTTP methods on /proxy/mcp/<name> and names the server', () => {
    for (const method of ['POST', 'GET', 'DELETE'])
      expect(routeMcpRequest(method, '/proxy/mcp/github')).toEqual({ ok: true, server: 'github', method });
  });

  it('refuses other methods with 405', () => {
    expect(routeMcpRequest('PUT', '/proxy/mcp/github')).toMatchObject({ ok: false, status: 405 });
    expect(routeMcpRequest(undefined, '/proxy/mcp/github')).toMatchObject({ ok: false, status: 405 });
  });

  it.each([
    '/proxy/mcp/github/extra',
    '/proxy/mcp/github/',
    '/proxy/mcp/github/../other',
    '/proxy/mcp/../anthropic/v1/messages',
    '/proxy/mcp/git%68ub',
    '/proxy/mcp/GitHub',
    '/proxy/mcp/github@evil.example',
    '/proxy/mcp/',
    '/proxy/mcp/' + 'a'.repeat(33),
  ])('refuses %s: nothing but a server name may follow the prefix', (target) => {
    expect(routeMcpRequest('POST', target)).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses a query or a fragment, which could reach the upstream URL', () => {
    expect(routeMcpRequest('POST', '/proxy/mcp/github?url=https://evil.example')).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(routeMcpRequest('POST', '/proxy/mcp/github#x')).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses paths outside the prefix', () => {
    expect(routeMcpRequest('POST', '/proxy/mcpx/github')).toMatchObject({ ok: false, status: 404 });
    expect(routeMcpRequest('POST', '/proxy/anthropic/v1/messages')).toMatchObject({ ok: false, status: 404 });
  });
});
