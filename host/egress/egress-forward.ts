/**
 * Forwards a runner's plain-http request to an egress destination with headers (forward-plan.ts decided which
 * one): over https to the same name and port, with the configured headers added (Secret values read now, for this
 * request), the answer streamed back as it comes.
 *
 * Invariants:
 * - TLS with the certificate verified against the name (SNI = the name), using Node's CA store — which
 *   NODE_EXTRA_CA_CERTS of the host process extends (a private CA, or a test's). Never plain http upstream.
 * - The host connects only to addresses it resolved and checked itself (egress-address.ts), like a tunnel.
 * - Redirects are not followed (the answer, Location included, goes back as it is).
 * - The request body streams upstream and is at most `maxBodyBytes`: a larger Content-Length is refused before
 *   anything is sent (413); a chunked body that grows past it ends the call (413 when no answer has started).
 * - Secret values are used for this request only: never logged, counted, stored or put in an error. A log line
 *   names the session, agent group, method and `name:port` — never the path, the query or a header.
 */
import https from 'node:https';
import type http from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { Session } from '../db/schema.js';
import { headerValues } from '../mcp/header-values.js';
import { SecretUnavailable, type SecretSource } from '../mcp/secret-source.js';
import { allowedAddresses } from './egress-address.js';
import { downstreamResponseHeaders, upstreamRequestHeaders, type ForwardPlan } from './forward-plan.js';

export interface EgressForwardOptions {
  secrets: SecretSource;
  resolve: (name: string) => Promise<string[]>;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxBodyBytes: number;
  log: Logger;
  /** Counts a request the target answered (whatever its status). */
  countForwarded?: (labels: { agent_group: string }) => void;
}

type ForwardRefusal = (status: 403 | 413 | 502 | 504, reason: string) => void;

export interface EgressForwarder {
  forward(
    session: Session,
    plan: Extract<ForwardPlan, { ok: true }>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    refuse: ForwardRefusal,
  ): void;
  close(): void;
}

/** A lookup that answers with the addresses already checked, so the connection goes to one of them only. */
function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: typeof entries) => void)(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  };
}

/** A TLS or socket error as the one-line reason the runner sees (the code only, never upstream text). */
function failureReason(target: string, err: NodeJS.ErrnoException): { status: 502 | 504; reason: string } {
  if (err.message === 'connect timeout') return { status: 504, reason: `${target} did not answer` };
  if (err.message === 'idle timeout') return { status: 504, reason: `${target} stopped answering` };
  const code = err.code ?? 'no answer';
  if (/CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|TLS|SSL|EPROTO/.test(code))
    return { status: 502, reason: `${target}: TLS with the host failed (${code})` };
  if (code === 'ECONNREFUSED') return { status: 502, reason: `${target} refused the connection` };
  return { status: 502, reason: `${target} unreachable (${code})` };
}

export function createEgressForwarder(opts: EgressForwardOptions): EgressForwarder {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32 });

  const forward: EgressForwarder['forward'] = (session, plan, req, res, refuse) => {
    const target = `${plan.name}:${plan.port}`;
    const tooLarge = `request body over the limit of ${opts.maxBodyBytes} bytes`;
    if (Number(req.headers['content-length'] ?? 0) > opts.maxBodyBytes) return refuse(413, tooLarge);
    req.pause();

    void (async () => {
      let addresses: string[];
      try {
        addresses = allowedAddresses(await opts.resolve(plan.name), plan.wildcard);
      } catch {
        return refuse(502, `${plan.name} does not resolve`);
      }
      if (!addresses.length)
        return refuse(
          403,
          `${plan.name} resolves only to internal addresses, which a wildcard entry never reaches`,
        );
      let added: Record<string, string>;
      try {
        added = await headerValues(plan.entry.headers ?? [], plan.entry.namespace ?? '', opts.secrets);
      } catch (err) {
        return refuse(
          502,
          err instanceof SecretUnavailable ? err.message : 'the headers of this host could not be read',
        );
      }
      const upstream = https.request({
        host: plan.name,
        servername: plan.name,
        port: plan.port,
        method: req.method,
        path: plan.path,
        headers: upstreamRequestHeaders(req.headers, added, plan.name, plan.port),
        lookup: pinnedLookup(addresses),
        agent,
      });
      let connectTimer: NodeJS.Timeout | undefined;
      upstream.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () => upstream.destroy(new Error('connect timeout')),
          opts.connectTimeoutMs,
        );
        socket.once('secureConnect', () => clearTimeout(connectTimer));
      });
      upstream.setTimeout(opts.idleTimeoutMs, () => upstream.destroy(new Error('idle timeout')));
      upstream.on('response', (up) => {
        opts.countForwarded?.({ agent_group: session.agent_group_id });
        opts.log.debug(
          { sessionId: session.id, agentGroupId: session.agent_group_id, target, status: up.statusCode },
          'egress request forwarded',
        );
        res.writeHead(up.statusCode ?? 502, downstreamResponseHeaders(up.headers));
        res.flushHeaders();
        up.pipe(res);
        up.on('error', () => res.destroy());
      });
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        if (res.headersSent) return res.destroy();
        if (err.message === 'body too large') return refuse(413, tooLarge);
        const failure = failureReason(target, err);
        refuse(failure.status, failure.reason);
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > opts.maxBodyBytes) {
          req.removeAllListeners('data');
          req.resume();
          upstream.destroy(new Error('body too large'));
        } else if (!upstream.write(chunk)) {
          req.pause();
          upstream.once('drain', () => req.resume());
        }
      });
      req.on('end', () => upstream.end());
      req.on('error', () => upstream.destroy());
      req.resume();
    })().catch((err: unknown) => {
      opts.log.error(
        {
          sessionId: session.id,
          agentGroupId: session.agent_group_id,
          target,
          reason: (err as Error).message,
        },
        'egress forward failed',
      );
      if (!res.headersSent) refuse(502, 'the request could not be forwarded');
      else res.destroy();
    });
  };

  return { forward, close: () => agent.destroy() };
}
