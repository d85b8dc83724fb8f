/**
 * The fake Discord's gateway: Discord's WebSocket protocol (v10, JSON, no compression) for one bot.
 *
 * HELLO (op 10) on connect; IDENTIFY (op 2) with the right token → READY then GUILD_CREATE, a wrong token →
 * close 4004; HEARTBEAT (op 1) → ACK (op 11); RESUME (op 6) of the current session → every dispatch after the
 * client's seq replayed in order, then RESUMED; an unknown session → INVALID_SESSION (op 9, d false). Dispatches
 * made while no socket is connected are kept in the session's log and replayed on resume, as Discord does.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

interface Dispatch {
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  log: Dispatch[];
}

export interface GatewayHooks {
  token: string;
  url: () => string;
  heartbeatIntervalMs: number;
  /** READY's d without session_id and resume_gateway_url. */
  ready: () => Record<string, unknown>;
  /** Dispatches that follow READY (GUILD_CREATE …). */
  afterReady: () => { t: string; d: unknown }[];
}

export class FakeGateway {
  readonly wss = new WebSocketServer({ noServer: true });
  private session: Session | null = null;
  private socket: WebSocket | null = null;
  /** The socket has identified or resumed: live dispatches may go to it. */
  private live = false;
  identifies = 0;
  resumes = 0;
  heartbeats = 0;
  /** Every query string a client connected with (v=10&encoding=json). */
  readonly connectQueries: string[] = [];
  /** Payloads the client sent, in order. */
  readonly received: { op: number; d: unknown }[] = [];

  constructor(private readonly hooks: GatewayHooks) {}

  get connected(): boolean {
    return this.socket !== null && this.live;
  }

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private send(ws: WebSocket, payload: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  private onConnection(ws: WebSocket, req: http.IncomingMessage): void {
    this.connectQueries.push(new URL(req.url ?? '/', 'http://x').search);
    this.socket?.terminate();
    this.socket = ws;
    this.live = false;
    ws.on('message', (raw: Buffer) => this.onPayload(ws, raw.toString('utf8')));
    ws.on('close', () => {
      if (this.socket === ws) {
        this.socket = null;
        this.live = false;
      }
    });
    this.send(ws, { op: 10, d: { heartbeat_interval: this.hooks.heartbeatIntervalMs }, s: null, t: null });
  }

  private onPayload(ws: WebSocket, raw: string): void {
    let payload: { op: number; d: unknown };
    try {
      payload = JSON.parse(raw) as { op: number; d: unknown };
    } catch {
      ws.close(4002, 'Error while decoding payload.');
      return;
    }
    this.received.push(payload);
    switch (payload.op) {
      case 1:
        this.heartbeats++;
        this.send(ws, { op: 11, d: null, s: null, t: null });
        return;
      case 2:
        return this.identify(ws, payload.d as { token?: string });
      case 6:
        return this.resume(ws, payload.d as { token?: string; session_id?: string; seq?: number });
      default:
        return;
    }
  }

  private identify(ws: WebSocket, d: { token?: string }): void {
    if (d.token !== this.hooks.token) {
      ws.close(4004, 'Authentication failed.');
      return;
    }
    this.identifies++;
    this.session = { id: randomBytes(16).toString('hex'), seq: 0, log: [] };
    this.live = true;
    this.dispatch('READY', {
      ...this.hooks.ready(),
      session_id: this.session.id,
      resume_gateway_url: this.hooks.url(),
    });
    for (const e of this.hooks.afterReady()) this.dispatch(e.t, e.d);
  }

  private resume(ws: WebSocket, d: { token?: string; session_id?: string; seq?: number }): void {
    const session = this.session;
    if (d.token !== this.hooks.token) {
      ws.close(4004, 'Authentication failed.');
      return;
    }
    if (!session || session.id !== d.session_id) {
      this.send(ws, { op: 9, d: false, s: null, t: null });
      return;
    }
    this.resumes++;
    for (const e of session.log) if (e.s > (d.seq ?? 0)) this.send(ws, { op: 0, ...e });
    this.live = true;
    this.dispatch('RESUMED', {});
  }

  /** Sends a dispatch now, or keeps it for the next resume when the bot is not connected. */
  dispatch(t: string, d: unknown): void {
    const session = this.session;
    if (!session) throw new Error(`fake discord: no gateway session to dispatch ${t} to`);
    const e = { s: ++session.seq, t, d };
    session.log.push(e);
    if (this.socket && this.live) this.send(this.socket, { op: 0, ...e });
  }

  /** Drops the connection without a close frame (the client sees 1006 and resumes). */
  drop(): void {
    this.socket?.terminate();
    this.socket = null;
    this.live = false;
  }

  /** Asks the client to reconnect and resume (op 7). */
  requestReconnect(): void {
    if (this.socket) this.send(this.socket, { op: 7, d: null, s: null, t: null });
  }

  /** Sends text as it is (malformed frames for robustness tests). */
  sendRaw(text: string): void {
    if (this.socket?.readyState === this.socket?.OPEN) this.socket?.send(text);
  }

  close(): void {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}
