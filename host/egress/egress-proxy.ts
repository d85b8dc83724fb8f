/**
 * The egress proxy: runners of an agent group with `spec.egress` get HTTPS_PROXY pointing at the host's runner
 * port, and open `CONNECT host:port` tunnels there. No TLS is terminated: the runner talks TLS with the target
 * itself, the host only decides whether the tunnel opens.
 *
 * Invariants:
 * - A tunnel opens only for a runner that presents its live session token as proxy credentials (Basic, any user
 *   name, the token as password; or Bearer) and only to a name:port its agent group's list allows (read from the
 *   central DB for each CONNECT, so a changed list applies to the next tunnel). Else 407 (credentials) or 403.
 * - The host resolves the name itself and connects to an address it checked (egress-address.ts), never to the
 *   name again; IP literals are refused (the list names hosts).
 * - Every refusal is one line the agent sees (status line and body, never a piece of the request echoed back), a
 *   warn log with the session, agent group and target (no headers, no bodies) and, once authenticated,
 *   `nanoclaw_egress_refused_total{agent_group}`. Every opened tunnel counts `nanoclaw_egress_tunnels_total`.
 * - Bounded: a connect timeout, at most `maxTunnelsPerSession` open tunnels per session, an idle timeout per
 *   tunnel; close() ends every open tunnel.
 * - Plain-http requests in absolute form (`GET http://name/…`) are authenticated the same way and forwarded only to
 *   an entry with headers, over TLS, with the headers added (forward-plan.ts decides, egress-forward.ts does it);
 *   any other is refused with the reason. A CONNECT to an entry with headers is refused, saying to use http://.
 *   Requests the target answered count `nanoclaw_egress_requests_total`; refusals count as for tunnels.
 */
import dns from 'node:dns/promises';
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { matchEgress, normalizeEgressName } from '../../protocol/egress.js';
import type { EgressEntry } from '../db/runner-config.js';
import type { Session } from '../db/schema.js';
import type { SecretSource } from '../mcp/secret-source.js';
import { allowedAddresses } from './egress-address.js';
import { createEgressForwarder } from './egress-forward.js';
import { planForward, tunnelRefusal } from './forward-plan.js';

export interface EgressProxyOptions {
  authenticate: (token: string) => Session | undefined;
  /** The agent group's spec.egress; empty when it has none. */
  rulesOf: (agentGroupId: string) => EgressEntry[];
  /** Where the Secret values of entries' headers are read. */
  secrets: SecretSource;
  /** Largest request body forwarded to an entry with headers. */
  maxBodyBytes: number;
  /** Addresses of a name, in the order to try them. Default: the system resolver (all families). */
  resolve?: (name: string) => Promise<string[]>;
  connectTimeoutMs: number;
  maxTunnelsPerSession: number;
  idleTimeoutMs: number;
  log: Logger;
  countRefused?: (labels: { agent_group: string }) => void;
  countTunnel?: (labels: { agent_group: string }) => void;
  countForwarded?: (labels: { agent_group: string }) => void;
}

export interface EgressProxy {
  /** The runner port's `connect` event. */
  onConnect(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** A request whose target is an absolute URL (plain-http proxying): forwarded over TLS or refused. */
  onPlainHttp(req: http.IncomingMessage, res: http.ServerResponse): void;
  close(): void;
}

const LOGGED_TARGET_CHARS = 200;

const systemResolve = async (name: string): Promise<string[]> =>
  (await dns.lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** The token a CONNECT presents: `Proxy-Authorization: Basic base64(user:token)` or `Bearer token`. */
function proxyToken(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (scheme!.toLowerCase() === 'bearer') return value;
  if (scheme!.toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1) || null;
}

/** `host:port` of a CONNECT request-target; the host may be a bracketed IPv6 literal. */
function parseAuthority(target: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

function writeStatus(socket: Duplex, status: 403 | 407 | 502 | 504, reason: string, extra = ''): void {
  const body = `egress refused: ${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} egress refused: ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`,
  );
}

export function createEgressProxy(opts: EgressProxyOptions): EgressProxy {
  const resolve = opts.resolve ?? systemResolve;
  const forwarder = createEgressForwarder({ ...opts, resolve });
  const open = new Map<string, Set<Duplex>>();
  const all = new Set<Duplex>();

  /** Connects to the first address that answers within the timeout. */
  const connectAny = async (addresses: string[], port: number): Promise<net.Socket> => {
    let last: Error = new Error('no address');
    for (const address of addresses) {
      try {
        return await new Promise<net.Socket>((ok, fail) => {
          const upstream = net.connect({ host: address, port });
          const timer = setTimeout(() => {
            upstream.destroy();
            fail(new Error(`connect timed out after ${opts.connectTimeoutMs} ms`));
          }, opts.connectTimeoutMs);
          upstream.once('connect', () => {
            clearTimeout(timer);
            ok(upstream);
          });
          upstream.once('error', (err) => {
            clearTimeout(timer);
            fail(err);
          });
        });
      } catch (err) {
        last = err as Error;
      }
    }
    throw last;
  };

  const tunnel = async (
    session: Session,
    name: string,
    port: number,
    wildcard: boolean,
    client: Duplex,
    head: Buffer,
    refuse: (status: 403 | 502 | 504, reason: string) => void,
  ): Promise<void> => {
    let addresses: string[];
    try {
      addresses = await resolve(name);
    } catch {
      return refuse(502, `${name} does not resolve`);
    }
    const usable = allowedAddresses(addresses, wildcard);
    if (!usable.length)
      return refuse(
        403,
        `${name} resolves only to internal addresses, which a wildcard entry never reaches (list the name exactly)`,
      );
    let upstream: net.Socket;
    try {
      upstream = await connectAny(usable, port);
    } catch (err) {
      const timedOut = (err as Error).message.startsWith('connect timed out');
      return refuse(
        timedOut ? 504 : 502,
        `${name}:${port} ${timedOut ? 'did not answer' : 'refused the connection'}`,
      );
    }
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    opts.countTunnel?.({ agent_group: session.agent_group_id });
    opts.log.debug(
      { sessionId: session.id, agentGroupId: session.agent_group_id, target: `${name}:${port}` },
      'egress tunnel opened',
    );
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const side of [client, upstream]) {
      side.on('error', end).on('close', end);
      if (side instanceof net.Socket) side.setTimeout(opts.idleTimeoutMs, end);
    }
    client.pipe(upstream).pipe(client);
  };

  return {
    onConnect(req, socket, head) {
      const target = (req.url ?? '').slice(0, LOGGED_TARGET_CHARS);
      socket.on('error', () => socket.destroy());
      const token = proxyToken(req.headers['proxy-authorization']);
      const session = token ? opts.authenticate(token) : undefined;
      if (!session) {
        opts.log.warn({ target, reason: 'no valid session token' }, 'egress refused');
        writeStatus(
          socket,
          407,
          'proxy credentials missing or not a live session token',
          'proxy-authenticate: Basic realm="nanoclaw egress"\r\n',
        );
        return;
      }
      const ctx = { sessionId: session.id, agentGroupId: session.agent_group_id, target };
      const refuse = (status: 403 | 502 | 504, reason: string): void => {
        opts.log.warn({ ...ctx, status, reason }, 'egress refused');
        opts.countRefused?.({ agent_group: session.agent_group_id });
        writeStatus(socket, status, reason);
      };
      const authority = parseAuthority(req.url ?? '');
      if (!authority) return refuse(403, 'a CONNECT target is host:port');
      const bare = authority.host.replace(/^\[|\]$/g, '');
      if (net.isIP(bare)) return refuse(403, 'IP addresses are refused: spec.egress lists host names');
      const name = normalizeEgressName(bare);
      if (!name) return refuse(403, 'the target is not a host name');
      const rules = opts.rulesOf(session.agent_group_id);
      if (!rules.length) return refuse(403, 'this agent group has no spec.egress: it reaches only the host');
      const match = matchEgress(rules, name, authority.port);
      if (!match.ok) return refuse(403, match.reason);
      const withHeaders = tunnelRefusal(match.rule, name, authority.port);
      if (withHeaders) return refuse(403, withHeaders);
      const mine = open.get(session.id) ?? new Set<Duplex>();
      if (mine.size >= opts.maxTunnelsPerSession)
        return refuse(403, `at most ${opts.maxTunnelsPerSession} tunnels may be open at once per session`);
      mine.add(socket);
      all.add(socket);
      open.set(session.id, mine);
      socket.on('close', () => {
        mine.delete(socket);
        all.delete(socket);
        if (!mine.size && open.get(session.id) === mine) open.delete(session.id);
      });
      tunnel(session, name, authority.port, match.wildcard, socket, head, refuse).catch((err: unknown) => {
        opts.log.error({ ...ctx, err: (err as Error).message }, 'egress tunnel failed');
        socket.destroy();
      });
    },

    onPlainHttp(req, res) {
      const token = proxyToken(req.headers['proxy-authorization']);
      const session = token ? opts.authenticate(token) : undefined;
      const reply = (status: number, reason: string, extra: http.OutgoingHttpHeaders = {}): void => {
        if (res.headersSent) return void res.destroy();
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...extra });
        res.end(`egress refused: ${reason}\n`);
        req.resume();
      };
      if (!session) {
        opts.log.warn({ method: req.method, reason: 'no valid session token' }, 'egress refused');
        return reply(407, 'proxy credentials missing or not a live session token', {
          'proxy-authenticate': 'Basic realm="nanoclaw egress"',
        });
      }
      const plan = planForward(opts.rulesOf(session.agent_group_id), req.url ?? '');
      const ctx = {
        sessionId: session.id,
        agentGroupId: session.agent_group_id,
        method: req.method,
        target: plan.ok ? `${plan.name}:${plan.port}` : plan.target,
      };
      const refuse = (status: number, reason: string): void => {
        opts.log.warn({ ...ctx, status, reason }, 'egress refused');
        opts.countRefused?.({ agent_group: session.agent_group_id });
        reply(status, reason);
      };
      if (!plan.ok) return refuse(plan.status, plan.reason);
      forwarder.forward(session, plan, req, res, refuse);
    },

    close() {
      forwarder.close();
      for (const socket of all) socket.destroy();
      all.clear();
      open.clear();
    },
  };
}
