/**
 * A stand-in for the host's end of the notification channel (protocol/notify.ts), on 127.0.0.1: accepts
 * `POST /runner/v1/channel` with the expected bearer token (401 otherwise), records the RunnerNotice lines the
 * runner sends, and lets a test write HostNotice lines (or garbage) down the open response.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RUNNER_CHANNEL_PATH } from '../../protocol/env.js';
import { NoticeDecoder, RunnerNotice, encodeNotice, type HostNotice } from '../../protocol/notify.js';

export class ChannelServer {
  readonly notices: RunnerNotice[] = [];
  readonly badLines: string[] = [];
  connections = 0;
  refused = 0;
  private server: http.Server;
  private current: http.ServerResponse | null = null;

  private constructor(private readonly token: string) {
    this.server = http.createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== RUNNER_CHANNEL_PATH) {
        res.writeHead(404).end();
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        this.refused++;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad token"}');
        req.resume();
        return;
      }
      this.connections++;
      this.current = res;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      req.setEncoding('utf8');
      const decoder = new NoticeDecoder(
        RunnerNotice,
        (n) => this.notices.push(n),
        (line) => this.badLines.push(line),
      );
      req.on('data', (c: string) => decoder.push(c));
      req.on('close', () => {
        if (this.current === res) this.current = null;
      });
    });
  }

  static async start(token: string): Promise<ChannelServer> {
    const s = new ChannelServer(token);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connected(): boolean {
    return this.current !== null;
  }

  send(n: HostNotice): void {
    this.current?.write(encodeNotice(n));
  }

  sendRaw(line: string): void {
    this.current?.write(line);
  }

  /** Ends the current channel from the host side (the runner should reconnect). */
  drop(): void {
    this.current?.destroy();
    this.current = null;
  }

  async close(): Promise<void> {
    this.current?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
