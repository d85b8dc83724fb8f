import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';
import { ChatStream, post, send } from '../support/web-client.js';

let host: HostProcess;
let chat: ChatStream;

beforeAll(async () => {
  const dataDir = tempDir();
  seedWeb(dataDir);
  host = await startHostProcess({ dataDir });
  chat = new ChatStream(host.url);
  await chat.opened();
});

afterAll(async () => {
  chat?.close();
  expect(await host?.stop()).toBe(0);
});

describe('web chat', () => {
  it('answers a message with the mock agent, in reply to it', async () => {
    const { id, delivered } = await send(host.url, { text: 'hello agent' });
    expect(delivered).toBe(1);
    const reply = await chat.waitFor((r) => r.text === 'Mock response to: hello agent');
    expect(reply).toMatchObject({ chat: 'main', thread: null });
    expect(reply.inReplyTo).toEqual(expect.any(String));
    expect(id).toMatch(/^web-/);
  });

  it('replays only what a reconnecting client missed, and the history to a client that connects afresh', async () => {
    await send(host.url, { text: 'one' });
    await chat.waitFor((r) => r.text === 'Mock response to: one');
    const mark = chat.lastEventId;
    await send(host.url, { text: 'two' });
    await chat.waitFor((r) => r.text === 'Mock response to: two');
    const resumed = new ChatStream(host.url, 'main', mark);
    const fresh = new ChatStream(host.url, 'main');
    try {
      await resumed.opened();
      await fresh.opened();
      await resumed.waitFor((r) => r.text === 'Mock response to: two');
      await fresh.waitFor((r) => r.text === 'Mock response to: two');
      await new Promise((r) => setTimeout(r, 300));
      expect(resumed.messages.map((r) => r.text)).toEqual(['two', 'Mock response to: two']);
      expect(fresh.messages.map((r) => r.text)).toEqual(chat.messages.map((r) => r.text));
    } finally {
      resumed.close();
      fresh.close();
    }
  });

  it('serves the chat page and the health endpoints', async () => {
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>NanoClaw</title>');
    expect((await fetch(new URL('/healthz', host.url))).status).toBe(200);
    const ready = await fetch(new URL('/readyz', host.url));
    expect(await ready.json()).toMatchObject({ ready: true });
    const metrics = await (await fetch(new URL('/metrics', host.url))).text();
    expect(metrics).toMatch(/nanoclaw_inbound_messages_total\{channel="web"\} \d+/);
  });
});

describe('malformed web requests', () => {
  it.each([
    ['a body that is not JSON', '{"text": ', 400, null, /not valid JSON/],
    ['a missing text', { sender: 'a' }, 400, 'text', /text/],
    ['an empty text', { text: '' }, 400, 'text', /must not be empty/],
    ['a text that is not a string', { text: 42 }, 400, 'text', /text/],
    ['an unknown field', { text: 'x', colour: 'red' }, 400, 'colour', /unknown field colour/],
    ['a chat with control characters', { text: 'x', chat: 'a\u0007b' }, 400, 'chat', /control/],
    ['a thread that is not a string', { text: 'x', thread: 5 }, 400, 'thread', /thread/],
  ])('rejects %s with a 400 naming the field', async (_what, body, status, field, message) => {
    const r = await post(host.url, '/api/messages', body);
    expect(r.status).toBe(status);
    expect(r.body.field).toBe(field);
    expect(r.body.error).toMatch(message);
  });

  it('rejects a body that is not JSON-typed with 415', async () => {
    const r = await post(host.url, '/api/messages', 'text=hi', { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
  });

  it('rejects an oversized body with 413', async () => {
    const r = await post(host.url, '/api/messages', { text: 'x'.repeat(70_000) });
    expect(r.status).toBe(413);
  });

  it('answers an unknown route with 404 and an unknown question with 404 naming it', async () => {
    expect((await post(host.url, '/api/nope', {})).status).toBe(404);
    const r = await post(host.url, '/api/actions', { questionId: 'q-none', value: 'a' });
    expect(r).toMatchObject({ status: 404, body: { field: 'questionId' } });
  });

  it('keeps serving after bad requests', async () => {
    await send(host.url, { text: 'still there?' });
    await chat.waitFor((r) => r.text === 'Mock response to: still there?');
  });
});
