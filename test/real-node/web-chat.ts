/**
 * The web chat of the real host pod, reached through its ClusterIP Service from the machine (kube-proxy's rules,
 * like any client in the cluster), with the bearer token from the release's Secret. `Chat` keeps every reply
 * of one chat from one event stream; `open(true)` reopens it with a resume id so replies that a new host process
 * sent before the stream reopened are replayed.
 */
import http from 'node:http';
import { MESSAGE_EVENT } from '../../host/channels/web/web-api.js';
import { getJson, kubectl } from './cluster.js';

export interface Reply {
  id: string;
  text: string;
  inReplyTo: string | null;
}

export function webBase(namespace: string, service: string): string {
  const svc = getJson<{ spec: { clusterIP: string; ports: { name: string; port: number }[] } }>([
    '-n',
    namespace,
    'get',
    'service',
    service,
  ]);
  const port = svc.spec.ports.find((p) => p.name === 'web')?.port ?? svc.spec.ports[0]!.port;
  return `http://${svc.spec.clusterIP}:${port}/`;
}

export function webToken(namespace: string, secret: string): string {
  const b64 = kubectl([
    '-n',
    namespace,
    'get',
    'secret',
    secret,
    '-o',
    'jsonpath={.data.NANOCLAW_WEB_TOKEN}',
  ]);
  return Buffer.from(b64, 'base64').toString('utf8');
}

export async function postMessage(base: string, token: string, chat: string, text: string) {
  const res = await fetch(new URL('api/messages', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text, chat }),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as { id?: string } };
}

export class Chat {
  readonly replies: Reply[] = [];
  /** Set when the server ended the current stream (a host that stopped). */
  ended = false;
  private req: http.ClientRequest | undefined;
  private opened: Promise<void> = Promise.resolve();
  private lastId: string | null = null;

  constructor(
    readonly base: string,
    readonly token: string,
    readonly chat: string,
  ) {}

  /**
   * Opens (or reopens, resuming) the event stream on a connection of its own (node:http without an agent, so a
   * stream never shares a pooled connection with an earlier one); resolves once the server answered 200.
   */
  open(resume = false): Promise<void> {
    this.close();
    const url = new URL('api/events', this.base);
    url.searchParams.set('chat', this.chat);
    // An id from an earlier host process makes the new one replay its whole buffer.
    if (resume) url.searchParams.set('after', this.lastId ?? 'none.0');
    this.ended = false;
    this.opened = new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${this.token}` };
      const req = http.get(url, { agent: false, headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`events: HTTP ${res.statusCode}`));
          return;
        }
        resolve();
        this.read(res);
      });
      req.on('error', reject);
      this.req = req;
    });
    return this.opened;
  }

  close(): void {
    this.req?.destroy();
    this.req = undefined;
  }

  private read(res: http.IncomingMessage): void {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const id = block.match(/^id: (.*)$/m)?.[1];
        const event = block.match(/^event: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (id) this.lastId = id;
        // Only messages are replies (not typing or the end-of-history marker), and only what others said.
        if (!data || event !== MESSAGE_EVENT) continue;
        const reply = JSON.parse(data) as Reply & { author?: { kind: string } };
        if (reply.author?.kind === 'user') continue;
        if (!this.replies.some((r) => r.id === reply.id)) this.replies.push(reply);
      }
    });
    res.on('end', () => (this.ended = true));
    res.on('error', () => (this.ended = true));
  }

  /** Sends `text` and waits for the reply with `expected` text (the mock provider's answer). */
  async ask(text: string, expected = `Mock response to: ${text}`, timeoutMs = 120_000): Promise<Reply> {
    await this.opened;
    const sent = await postMessage(this.base, this.token, this.chat, text);
    if (sent.status !== 202)
      throw new Error(`POST api/messages → ${sent.status} ${JSON.stringify(sent.body)}`);
    return this.waitFor(expected, timeoutMs);
  }

  async waitFor(text: string, timeoutMs = 120_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.replies.find((r) => r.text === text);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`no reply "${text}" within ${timeoutMs} ms; got ${JSON.stringify(this.replies)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
