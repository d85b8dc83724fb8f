/**
 * A web chat client that survives its host being killed and restarted on another port, the way a careful real
 * client behaves: a POST whose outcome is unknown (connection refused or reset, a 5xx, a 401 while the restarted
 * host rotates the owner token) is sent again with the same Idempotency-Key, and the event stream reconnects with
 * Last-Event-ID. It records every `message` event it receives with its event id, so a test can count what a person
 * would have seen: an event id is shown once (web-api.ts), two different ids with the same reply are a duplicate.
 *
 * Invariants: every wait is bounded (a POST gives up after `deadlineMs`); nothing here throws into the event loop;
 * `close()` ends the stream loop.
 */
import { readSse } from '../../host/channels/web/sse-reader.js';
import {
  IDEMPOTENCY_HEADER,
  MESSAGE_EVENT,
  WEB_ROUTES,
  type WebMessage,
} from '../../host/channels/web/web-api.js';
import { authFor, sleep } from './web-client.js';

/** Where the host is now: the test replaces `url` after each restart. */
export interface HostRef {
  url: string;
}

export interface SeenEvent {
  eventId: string;
  message: WebMessage;
}

const RETRY_MS = 150;

export class ResilientChat {
  /** Every message event received, in arrival order (replays included). */
  readonly received: SeenEvent[] = [];
  /** Distinct event ids shown, in order of first arrival. */
  readonly shown = new Map<string, WebMessage>();
  /** How many times the stream was (re)opened, POST attempts were repeated, and first answers were lost. */
  connects = 0;
  retries = 0;
  lostAnswers = 0;
  private lastEventId: string | null = null;
  private abort: AbortController | null = null;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private readonly loop: Promise<void>;

  constructor(
    private readonly host: HostRef,
    readonly chat: string,
  ) {
    this.loop = this.follow();
  }

  /**
   * Sends a message until a 202 answers it, with one key for all attempts; returns the accepted message id.
   * `loseFirstAnswer` plays a client whose first answer never arrives (a timeout, a dropped connection): it sends,
   * does not wait for the answer, and sends again `loseFirstAnswer` ms later — the server may have taken the first.
   */
  async send(
    text: string,
    key: string,
    loseFirstAnswer: number | null = null,
    deadlineMs = 40_000,
  ): Promise<string> {
    const until = Date.now() + deadlineMs;
    const request = (base: string) =>
      fetch(new URL(WEB_ROUTES.messages, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDEMPOTENCY_HEADER]: key, ...authFor(base) },
        body: JSON.stringify({ text, chat: this.chat }),
        signal: AbortSignal.timeout(10_000),
      });
    if (loseFirstAnswer !== null) {
      this.lostAnswers++;
      void request(this.host.url)
        .then((res) => res.body?.cancel())
        .catch(() => undefined);
      await sleep(loseFirstAnswer);
    }
    let last = '';
    for (let attempt = 0; Date.now() < until; attempt++) {
      if (attempt > 0) {
        this.retries++;
        await sleep(RETRY_MS);
      }
      const base = this.host.url;
      try {
        const res = await request(base);
        const body = (await res.json().catch(() => ({}))) as { id?: string; error?: string };
        if (res.status === 202 && body.id) return body.id;
        last = `HTTP ${res.status} ${body.error ?? ''}`;
        // 4xx other than a token rotated by a restart is the client's fault: retrying cannot help.
        if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 429)
          throw new Error(`POST ${text}: ${last}`);
      } catch (err) {
        if ((err as Error).message.startsWith('POST ')) throw err;
        last = (err as Error).message;
      }
    }
    throw new Error(`POST ${JSON.stringify(text)} not accepted in ${deadlineMs} ms; last: ${last}`);
  }

  /** Resolves once an event matching `pred` has been shown; rejects after `timeoutMs`. */
  waitFor(pred: (m: WebMessage) => boolean, timeoutMs: number): Promise<WebMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const m of this.shown.values()) {
          if (!pred(m)) continue;
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`chat ${this.chat}: no matching message in ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort?.abort();
    await this.loop;
  }

  /** Keeps one event stream open, reconnecting (to wherever the host is now) with the last event id seen. */
  private async follow(): Promise<void> {
    while (!this.closed) {
      const base = this.host.url;
      this.abort = new AbortController();
      try {
        const url = new URL(WEB_ROUTES.events, base);
        url.searchParams.set('chat', this.chat);
        const res = await fetch(url, {
          signal: this.abort.signal,
          headers: { ...authFor(base), ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}) },
        });
        if (res.ok && res.body) {
          this.connects++;
          for await (const record of readSse(res.body)) {
            if (record.event !== MESSAGE_EVENT) continue;
            this.lastEventId = record.id;
            const message = JSON.parse(record.data) as WebMessage;
            this.received.push({ eventId: record.id, message });
            if (!this.shown.has(record.id)) this.shown.set(record.id, message);
            for (const w of this.waiters) w();
          }
        } else {
          await res.body?.cancel();
        }
      } catch {
        // the host went away (or we closed): reconnect below
      }
      if (!this.closed) await sleep(RETRY_MS);
    }
  }
}
