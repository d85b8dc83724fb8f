/**
 * The page's static guarantees; its behaviour in a browser is the browser tier's (test/browser/).
 */
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { WEB_PAGE, WEB_PAGE_CSP } from './page.js';
import { DROP_SENTENCES, IDEMPOTENCY_HEADER, MESSAGE_EVENT, TYPING_EVENT, WEB_ROUTES } from './web-api.js';

const script = /<script>([\s\S]*)<\/script>/.exec(WEB_PAGE)![1]!;
const style = /<style>([\s\S]*)<\/style>/.exec(WEB_PAGE)![1]!;
const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

describe('the web chat page', () => {
  it("allows exactly its own inline script and style by hash, and nothing else's", () => {
    expect(WEB_PAGE_CSP).toContain(`script-src ${sha(script)}`);
    expect(WEB_PAGE_CSP).toContain(`style-src ${sha(style)}`);
    expect(WEB_PAGE_CSP).toContain("default-src 'none'");
    expect(WEB_PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(WEB_PAGE.match(/<script/g)).toHaveLength(1);
    expect(WEB_PAGE).not.toMatch(/\son[a-z]+="/);
  });

  it('has a script that compiles, using the routes, event names, header and sentences of web-api.ts', () => {
    expect(() => new vm.Script(script)).not.toThrow();
    for (const route of [WEB_ROUTES.messages, WEB_ROUTES.events, WEB_ROUTES.actions, WEB_ROUTES.chats])
      expect(script).toContain(`'${route}`);
    expect(script).toContain(`addEventListener('${MESSAGE_EVENT}'`);
    expect(script).toContain(`addEventListener('${TYPING_EVENT}'`);
    expect(script).toContain(`'${IDEMPOTENCY_HEADER}'`);
    expect(script).toContain(JSON.stringify(DROP_SENTENCES));
  });

  it('inserts HTML only from the host-rendered field, never from text it builds', () => {
    expect(script.match(/innerHTML/g)).toEqual(['innerHTML']);
    expect(script).toContain('body.innerHTML = m.html;');
  });
});
