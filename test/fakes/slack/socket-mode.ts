/**
 * The Socket Mode half of the fake Slack, on the `ws://…/socket` URL apps.connections.open hands out: `hello` on
 * connect, `events_api` and `interactive` envelopes that the client must ack with their `envelope_id`, `disconnect`
 * messages (refresh_requested, link_disabled), dropped sockets and raw (malformed) frames.
 *
 * Every wait is bounded: an envelope not acked within its timeout resolves `acked: false`.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Delivery {
  envelopeId: string;
  /** Resolves true when the client acked this envelope, false after the timeout. */
  acked: Promise<boolean>;
}

export class FakeSocketMode {
  /** Connections opened so far (a reconnect adds one). */
  connections = 0;
  readonly acks: { envelope_id: string; payload?: unknown }[] = [];
  private readonly wss: WebSocketServer;
  private socket: WebSocket | null = null;
  private readonly waiting = new Map<string, (acked: boolean) => void>();

  constructor(server: http.Server) {
    this.wss = new WebSocketServer({ server, path: '/socket' });
    this.wss.on('connection', (ws) => {
      this.connections += 1;
      this.socket = ws;
      ws.on('message', (data: Buffer) => {
        let msg: { envelope_id?: string; payload?: unknown };
        try {
          msg = JSON.parse(data.toString('utf8')) as typeof msg;
        } catch {
          return;
        }
        if (!msg.envelope_id) return;
        this.acks.push({ envelope_id: msg.envelope_id, payload: msg.payload });
        this.waiting.get(msg.envelope_id)?.(true);
      });
      ws.on('close', () => {
        if (this.socket === ws) this.socket = null;
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
          connection_info: { app_id: 'AFAKE' },
        }),
      );
    });
  }

  get connected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** Waits (bounded) until at least `n` connections were opened and one is open. */
  async waitForConnections(n: number, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(this.connections >= n && this.connected)) {
      if (Date.now() > until)
        throw new Error(`fake slack: ${this.connections} socket connections, wanted ${n}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private send(envelope: Record<string, unknown>, timeoutMs: number): Delivery {
    const ws = this.socket;
    if (!ws) throw new Error('fake slack: no socket mode client is connected');
    const envelopeId = String(envelope.envelope_id);
    const acked = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        resolve(false);
      }, timeoutMs);
      this.waiting.set(envelopeId, (v) => {
        clearTimeout(timer);
        this.waiting.delete(envelopeId);
        resolve(v);
      });
    });
    ws.send(JSON.stringify(envelope));
    return { envelopeId, acked };
  }

  /** An Events API payload (event_callback) in an `events_api` envelope. */
  sendEvent(
    payload: Record<string, unknown>,
    opts: { retryAttempt?: number; timeoutMs?: number } = {},
  ): Delivery {
    return this.send(
      {
        envelope_id: randomUUID(),
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: opts.retryAttempt ?? 0,
        retry_reason: opts.retryAttempt ? 'timeout' : '',
        payload,
      },
      opts.timeoutMs ?? 10_000,
    );
  }

  /** An interactivity payload (block_actions …) in an `interactive` envelope. */
  sendInteractive(payload: Record<string, unknown>, timeoutMs = 10_000): Delivery {
    return this.send(
      { envelope_id: randomUUID(), type: 'interactive', accepts_response_payload: true, payload },
      timeoutMs,
    );
  }

  sendDisconnect(reason: 'refresh_requested' | 'link_disabled' | 'warning'): void {
    this.socket?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } }));
  }

  /** A frame that is not a Slack message (malformed JSON, or JSON of an unknown shape). */
  sendRaw(frame: string): void {
    this.socket?.send(frame);
  }

  /** Kills the TCP connection without a close handshake. */
  dropSocket(): void {
    this.socket?.terminate();
    this.socket = null;
  }

  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
