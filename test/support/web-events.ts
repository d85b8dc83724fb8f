/** Reading a web chat's server-sent events in tests that talk to a host over HTTP. */
import { expect } from 'vitest';
import { readSse } from '../../host/channels/web/sse-reader.js';
import { MESSAGE_EVENT, WEB_ROUTES, type WebMessage } from '../../host/channels/web/web-api.js';

export /** Waits for a server-sent event of `chat` whose text is `text` (the web API wants the bearer here too). */
async function replyOn(base: string, token: string, chat: string, text: string, send: () => Promise<void>) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 60_000);
  try {
    const url = new URL(WEB_ROUTES.events, base);
    url.searchParams.set('chat', chat);
    const res = await fetch(url, { signal: ac.signal, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await send();
    const seen: string[] = [];
    for await (const record of readSse(res.body!)) {
      if (record.event !== MESSAGE_EVENT) continue;
      const event = JSON.parse(record.data) as WebMessage;
      if (event.text === text) return event;
      seen.push(event.text);
    }
    throw new Error(`event stream ended without "${text}"; got: ${JSON.stringify(seen)}`);
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}
