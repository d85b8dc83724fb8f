/**
 * The page's script run in a VM against a stand-in DOM, EventSource and fetch: it must use the routes and the
 * event name of web-api.ts, send bodies the request schemas accept and read the fields of a message event.
 */
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { WEB_PAGE } from './page.js';
import {
  MESSAGE_EVENT,
  PostAction,
  PostMessage,
  WEB_ROUTES,
  type MessageAccepted,
  type WebMessage,
} from './web-api.js';

class FakeElement {
  className = '';
  textContent = '';
  value = '';
  scrollTop = 0;
  readonly scrollHeight = 0;
  onclick: (() => unknown) | null = null;
  readonly children: FakeElement[] = [];
  readonly listeners = new Map<string, (e: unknown) => unknown>();
  parent: FakeElement | null = null;

  appendChild(child: FakeElement): FakeElement {
    child.parent = this;
    this.children.push(child);
    return child;
  }
  remove(): void {
    this.parent?.children.splice(this.parent.children.indexOf(this), 1);
  }
  addEventListener(type: string, fn: (e: unknown) => unknown): void {
    this.listeners.set(type, fn);
  }
}

interface Request {
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

function runPage(search: string, answer: unknown) {
  const elements = new Map(['who', 'log', 'form', 'text'].map((id) => [id, new FakeElement()]));
  const requests: Request[] = [];
  const sources: { url: string; listeners: Map<string, (e: { data: string }) => void> }[] = [];
  class FakeEventSource {
    readonly listeners = new Map<string, (e: { data: string }) => void>();
    onerror: (() => void) | null = null;
    constructor(url: string) {
      sources.push({ url, listeners: this.listeners });
    }
    addEventListener(type: string, fn: (e: { data: string }) => void): void {
      this.listeners.set(type, fn);
    }
  }
  const script = /<script>([\s\S]*)<\/script>/.exec(WEB_PAGE)![1]!;
  vm.runInNewContext(script, {
    location: { search },
    URLSearchParams,
    EventSource: FakeEventSource,
    document: {
      getElementById: (id: string) => elements.get(id),
      createElement: () => new FakeElement(),
    },
    fetch: (path: string, init: { headers: Record<string, string>; body: string }) => {
      requests.push({ path, headers: init.headers, body: JSON.parse(init.body) });
      return Promise.resolve({ ok: true, statusText: 'Accepted', json: () => Promise.resolve(answer) });
    },
  });
  const log = elements.get('log')!;
  return {
    requests,
    sources,
    texts: () => log.children.map((c) => c.textContent),
    log,
    type: async (text: string) => {
      elements.get('text')!.value = text;
      await elements.get('form')!.listeners.get('submit')!({ preventDefault: () => {} });
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the web chat page', () => {
  it('watches the events route with its chat and never puts a token in the URL', () => {
    const page = runPage('?chat=team&token=s3cret', {});
    expect(page.sources.map((s) => s.url)).toEqual([`${WEB_ROUTES.events}?chat=team`]);
    expect([...page.sources[0]!.listeners.keys()]).toEqual([MESSAGE_EVENT]);
  });

  it('posts a typed line as a message PostMessage accepts, without sender or token, and shows why it reached no agent', async () => {
    const accepted: MessageAccepted = { id: 'web-1', delivered: 0, dropped: 'no agent is wired' };
    const page = runPage('?chat=team&sender=ann&thread=t1&token=s3cret', accepted);
    await page.type('  hello  ');
    expect(page.requests.map((r) => r.path)).toEqual([WEB_ROUTES.messages]);
    expect(page.requests[0]!.headers.authorization).toBeUndefined();
    expect(PostMessage.parse(page.requests[0]!.body)).toEqual({
      text: 'hello',
      chat: 'team',
      thread: 't1',
    });
    expect(page.texts()).toEqual(['hello', 'not delivered to an agent: no agent is wired']);
  });

  it('shows a message event of its thread and answers its question card as PostAction accepts it', async () => {
    const page = runPage('?sender=ann&thread=t1', { ok: true });
    const deliver = (m: WebMessage) =>
      page.sources[0]!.listeners.get(MESSAGE_EVENT)!({ data: JSON.stringify(m) });
    const base = { chat: 'main', inReplyTo: null };
    deliver({ ...base, id: 'web-a', thread: 'other', text: 'not for this page' });
    deliver({
      ...base,
      id: 'web-b',
      thread: 't1',
      text: 'Deploy?',
      question: { questionId: 'q1', title: 'Deploy?', options: [{ label: 'Yes', value: 'yes' }] },
    });
    expect(page.texts()).toEqual(['Deploy?']);
    const button = page.log.children[0]!.children[0]!.children[0]!;
    expect(button.textContent).toBe('Yes');
    button.onclick!();
    await flush();
    expect(page.requests.map((r) => r.path)).toEqual([WEB_ROUTES.actions]);
    expect(PostAction.parse(page.requests[0]!.body)).toEqual({
      questionId: 'q1',
      value: 'yes',
    });
    expect(page.texts()).toEqual(['Deploy?', 'You chose: Yes']);
  });
});
