/**
 * The runner's end of the notification channel (protocol/notify.ts): one long-lived
 * `POST <hostUrl>/runner/v1/channel` carrying RunnerNotice lines up and HostNotice lines down.
 *
 * Invariants:
 * - Notices are hints; the session DBs are the truth. A notice that cannot be sent (no connection) is dropped,
 *   except that the newest outbound seq and the MCP server report are re-sent on every (re)connect.
 * - Every (re)connect also counts as an inbound notice (`onConnected`): notices may have been lost meanwhile.
 * - Reconnects back off exponentially (with jitter) up to a cap; the backoff resets after a connection that
 *   stayed up. A bad line is logged and skipped, never fatal. Nothing here throws into the caller.
 */
import http from 'node:http';
import https from 'node:https';
import { RUNNER_CHANNEL_PATH } from '../../protocol/env.js';
import type { McpServerReport } from '../../protocol/mcp.js';
import { encodeNotice, HostNotice, NoticeDecoder, type RunnerNotice } from '../../protocol/notify.js';
import type { Logger } from './logger.js';

export interface HostChannelOptions {
  hostUrl: string;
  token: string;
  log: Logger;
  onNotice: (n: HostNotice) => void;
  onConnected: () => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  pingIntervalMs?: number;
  connectTimeoutMs?: number;
}

const STABLE_AFTER_MS = 10_000;

function channelUrl(hostUrl: string): URL {
  return new URL(hostUrl.replace(/\/+$/, '') + RUNNER_CHANNEL_PATH);
}

export function nextBackoff(current: number, initial: number, max: number): number {
  return Math.min(max, Math.max(initial, current * 2));
}

export class HostChannel {
  private req: http.ClientRequest | null = null;
  private connected = false;
  private closed = false;
  private backoff: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private latestOutbound = 0;
  private mcpReport: McpServerReport[] | null = null;
  private readonly initial: number;
  private readonly max: number;

  constructor(private readonly o: HostChannelOptions) {
    this.initial = o.initialBackoffMs ?? 200;
    this.max = o.maxBackoffMs ?? 10_000;
    this.backoff = this.initial;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.connect();
    this.pingTimer = setInterval(() => this.send({ type: 'ping' }), this.o.pingIntervalMs ?? 30_000);
  }

  /** outbound.db has rows up to `seq` (after a commit). */
  notifyOutbound(seq: number): void {
    this.latestOutbound = Math.max(this.latestOutbound, seq);
    this.send({ type: 'outbound', seq: this.latestOutbound });
  }

  /** How the MCP servers started; kept and re-sent on every (re)connect, like the newest outbound seq. */
  reportMcp(servers: McpServerReport[]): void {
    this.mcpReport = servers;
    this.send({ type: 'mcp', servers });
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const req = this.req;
    this.req = null;
    this.connected = false;
    if (!req) return Promise.resolve();
    return new Promise((resolve) => {
      req.end(() => {
        req.destroy();
        resolve();
      });
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 500).unref();
    });
  }

  private send(n: RunnerNotice): void {
    if (!this.connected || !this.req) return;
    this.req.write(encodeNotice(n));
  }

  private connect(): void {
    if (this.closed) return;
    const url = channelUrl(this.o.hostUrl);
    const mod = url.protocol === 'https:' ? https : http;
    const openedAt = Date.now();
    const req = mod.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${this.o.token}`,
        'content-type': 'application/x-ndjson',
        'transfer-encoding': 'chunked',
      },
    });
    this.req = req;
    let finished = false;
    const connectTimer = setTimeout(
      () => req.destroy(new Error('channel connect timed out')),
      this.o.connectTimeoutMs ?? 10_000,
    );
    const finish = (why: string, err?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(connectTimer);
      const wasUp = this.connected && this.req === req;
      if (this.req === req) {
        this.req = null;
        this.connected = false;
      }
      req.destroy();
      if (this.closed) return;
      if (wasUp && Date.now() - openedAt >= STABLE_AFTER_MS) this.backoff = this.initial;
      const delay = Math.round(this.backoff * (0.75 + Math.random() * 0.5));
      this.o.log[wasUp ? 'info' : 'debug']({ why, err: err?.message, retryInMs: delay }, 'host channel down');
      this.backoff = nextBackoff(this.backoff, this.initial, this.max);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
    req.on('socket', (s) => s.setKeepAlive(true, 15_000));
    req.on('error', (err) => finish('error', err));
    req.on('close', () => finish('closed'));
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      if (res.statusCode !== 200) {
        this.o.log.warn({ status: res.statusCode }, 'host refused the channel');
        res.resume();
        finish(`status ${res.statusCode}`);
        return;
      }
      this.connected = true;
      this.o.log.info('host channel connected');
      res.setEncoding('utf8');
      const decoder = new NoticeDecoder(HostNotice, this.o.onNotice, (line, err) =>
        this.o.log.warn({ line: line.slice(0, 100), err: err.message }, 'bad notice from host skipped'),
      );
      res.on('data', (chunk: string) => decoder.push(chunk));
      res.on('end', () => finish('response ended'));
      res.on('error', (err) => finish('response error', err));
      if (this.latestOutbound > 0) this.send({ type: 'outbound', seq: this.latestOutbound });
      if (this.mcpReport) this.send({ type: 'mcp', servers: this.mcpReport });
      this.o.onConnected();
    });
    req.flushHeaders();
  }
}
