/**
 * The host's end of the notification channel (protocol/notify.ts): one long-lived request per runner. The host
 * writes `inbound` notices when it adds rows to a session's inbound.db and hears `outbound` notices when the
 * runner commits to outbound.db. Notices only say "look now"; losing one costs a fallback poll, never a message.
 * The one exception carries facts: the `mcp` report, which the runner re-sends on every reconnect.
 */
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { Logger } from 'pino';
import type { McpServerReport } from '../../protocol/mcp.js';
import { HostNotice, NoticeDecoder, RunnerNotice, encodeNotice } from '../../protocol/notify.js';

const PING_INTERVAL_MS = 20_000;

export interface RunnerLinkEvents {
  /** The runner committed outbound.db rows up to `seq`. */
  outbound: [sessionId: string, seq: number];
  /** A runner (re)connected; it may have written while disconnected. */
  connect: [sessionId: string];
  /** How the runner's MCP servers started (untrusted: the listener checks the names against the config). */
  mcp: [sessionId: string, servers: McpServerReport[]];
}

export class RunnerLink extends EventEmitter<RunnerLinkEvents> {
  private readonly connections = new Map<string, http.ServerResponse>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly log: Logger) {
    super();
    this.pinger = setInterval(() => {
      for (const res of this.connections.values()) res.write(encodeNotice({ type: 'ping' }));
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Takes over an authenticated channel request for `sessionId`; a newer connection replaces an older one. */
  accept(sessionId: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    this.connections.get(sessionId)?.end();
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.flushHeaders();
    this.connections.set(sessionId, res);
    req.setEncoding('utf8');
    const decoder = new NoticeDecoder(
      RunnerNotice,
      (n) => {
        if (n.type === 'outbound') this.emit('outbound', sessionId, n.seq);
        else if (n.type === 'mcp') this.emit('mcp', sessionId, n.servers);
      },
      (line, err) =>
        this.log.debug({ sessionId, err: err.message, bytes: line.length }, 'unreadable runner notice'),
    );
    req.on('data', (chunk: string) => decoder.push(chunk));
    const drop = (): void => {
      if (this.connections.get(sessionId) === res) this.connections.delete(sessionId);
    };
    req.on('close', drop);
    res.on('close', drop);
    this.emit('connect', sessionId);
  }

  isConnected(sessionId: string): boolean {
    return this.connections.has(sessionId);
  }

  send(sessionId: string, notice: HostNotice): boolean {
    const res = this.connections.get(sessionId);
    if (!res) return false;
    HostNotice.parse(notice);
    res.write(encodeNotice(notice));
    return true;
  }

  disconnect(sessionId: string): void {
    this.connections.get(sessionId)?.end();
    this.connections.delete(sessionId);
  }

  close(): void {
    clearInterval(this.pinger);
    for (const res of this.connections.values()) res.end();
    this.connections.clear();
  }
}
