import { describe, expect, it } from 'vitest';
import { routeProxyRequest } from './proxy-route.js';

const P = '/proxy/anthropic';

describe('routeProxyRequest', () => {
  it.each([
    ['POST', `${P}/v1/messages`, '/v1/messages', ''],
    ['POST', `${P}/v1/messages?beta=true`, '/v1/messages', 'beta=true'],
    ['POST', `${P}/v1/messages/count_tokens`, '/v1/messages/count_tokens', ''],
    ['POST', `${P}/v1/messages/count_tokens?beta=true`, '/v1/messages/count_tokens', 'beta=true'],
    ['POST', `${P}/v1/messages?`, '/v1/messages', ''],
    ['POST', `${P}/v1/./messages`, '/v1/messages', ''],
    ['POST', `${P}/v1/models/../messages`, '/v1/messages', ''],
    ['POST', `${P}/v1/%6Dessages`, '/v1/messages', ''],
    ['POST', `${P}/v1/messages/%2e%2e/messages`, '/v1/messages', ''],
  ])('forwards %s %s as the allow-listed %s', (method, target, path, query) => {
    expect(routeProxyRequest(method, target)).toEqual({ ok: true, method, path, query });
  });

  it.each([
    // the reported bypass: a doubled or back slash after the prefix
    [`${P}//other.host/x`, 400],
    [`${P}/\\other.host/x`, 400],
    [`${P}/v1\\messages`, 400],
    // encoded separators and double encoding
    [`${P}/%2F%2Fother.host/v1/messages`, 400],
    [`${P}/%2f%2fother.host/v1/messages`, 400],
    [`${P}/%5Cother.host/v1/messages`, 400],
    [`${P}/v1%2Fmessages`, 400],
    [`${P}/v1/%252e%252e/messages`, 400],
    [`${P}/v1/messages%`, 400],
    [`${P}/v1/messages%zz`, 400],
    // an authority smuggled after the prefix
    [`${P}@other.host/v1/messages`, 404],
    [`${P}:80@other.host/v1/messages`, 404],
    [`${P}.other.host/v1/messages`, 404],
    [`${P}/@other.host/v1/messages`, 404],
    // absolute URLs in the path and absolute-form request targets
    [`${P}/http://other.host/v1/messages`, 400],
    [`${P}/http:%2F%2Fother.host/v1/messages`, 400],
    [`${P}/http:other.host/v1/messages`, 404],
    ['http://other.host/v1/messages', 404],
    ['//other.host/proxy/anthropic/v1/messages', 404],
    // traversal out of the allow-list (or above the root)
    [`${P}/v1/messages/../../v1/files`, 404],
    [`${P}/v1/messages/../../../other`, 400],
    [`${P}/v1/messages/%2e%2e/%2e%2e/v1/models`, 404],
    [`${P}/%2e%2e/%2e%2e/admin`, 400],
    [`${P}/..`, 400],
    // paths not on the allow-list
    [`${P}`, 404],
    [`${P}/`, 400],
    [`${P}/v1/messages/`, 400],
    [`${P}/v1/models`, 404],
    [`${P}/v1/messages/batches`, 404],
    [`${P}/v1/files`, 404],
    [`${P}/api/oauth/profile`, 404],
    [`${P}/V1/Messages`, 404],
    // queries other than beta=true, fragments, characters outside RFC 3986
    [`${P}/v1/messages?beta=false`, 400],
    [`${P}/v1/messages?beta=true&x=1`, 400],
    [`${P}/v1/messages?//other.host`, 400],
    [`${P}/v1/messages#frag`, 400],
    [`${P}/v1/mes sages`, 400],
    [`${P}/v1/messages\u0000`, 400],
    [`${P}/v1/m\u00e9ssages`, 400],
  ])('refuses POST %s with %i', (target, status) => {
    const r = routeProxyRequest('POST', target);
    expect(r).toMatchObject({ ok: false, status });
  });

  it.each(['GET', 'PUT', 'DELETE', 'OPTIONS', undefined])(
    'answers %s on an allow-listed path with 405 and the method it accepts',
    (method) => {
      expect(routeProxyRequest(method, `${P}/v1/messages`)).toMatchObject({
        ok: false,
        status: 405,
        allow: 'POST',
      });
    },
  );

  it('checks the path before the method, so a wrong method on an unknown path is a 404', () => {
    expect(routeProxyRequest('GET', `${P}/v1/models`)).toMatchObject({ ok: false, status: 404 });
  });
});
