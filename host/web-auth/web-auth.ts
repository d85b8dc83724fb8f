/**
 * Who is asking, for every web chat request (ARCHITECTURE §8): a per-user bearer token, a trusted proxy's user
 * header, or the session cookie the sign-in URL sets — and whether the request may come from where it claims.
 *
 * Invariants:
 * - Identity comes only from a credential, never from a request body: a bearer token (NANOCLAW_WEB_TOKEN for
 *   the owner, or a stored per-user token), the proxy user header when — and only when — the peer address is
 *   one of the trusted proxies, or a live session cookie. A presented but wrong bearer is refused, not skipped.
 * - Browser requests (cookie, proxy header, the page, the sign-in URL) name an allowed Host: loopback names or
 *   a configured host; anything else is a DNS-rebinding attempt. A bearer cannot be a browser's ambient
 *   credential, so a bearer request is not held to the Host list.
 * - An Origin header, when present, names the request's own Host; a state-changing request without one is
 *   accepted only with a bearer (non-browser clients).
 * - No long-lived secret travels in a URL: the only token a URL carries is a one-time sign-in token, exchanged
 *   for an HttpOnly, SameSite=Strict session cookie whose value is stored hashed and expires.
 */
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { CentralDb } from '../db/central-db.js';
import { SESSION_COOKIE, WebIdent } from '../channels/web/web-api.js';
import { consumeSignIn, issueCredential, purgeExpired, userOfCredential } from './credentials.js';
import { HttpError } from './http-error.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

export interface WebAuthOptions {
  /** The user NANOCLAW_WEB_TOKEN and the sign-in URL authenticate as. */
  owner: string;
  /** NANOCLAW_WEB_TOKEN: a bearer for the owner. */
  ownerToken: string | undefined;
  /** Host names besides loopback that browsers may use. */
  allowedHosts: string[];
  /** The authenticating proxy's user header (lower case) and the addresses it is trusted from. */
  proxy: { header: string; trusted: string[] } | null;
  sessionTtlMs: number;
  signInTtlMs: number;
}

export interface Identity {
  userId: string;
  via: 'bearer' | 'proxy' | 'cookie';
}

export class WebAuth {
  private readonly hosts: Set<string>;
  private readonly proxies = new BlockList();

  constructor(
    private readonly db: CentralDb,
    private readonly opts: WebAuthOptions,
  ) {
    this.hosts = new Set([...LOOPBACK_HOSTS, ...opts.allowedHosts.map((h) => h.toLowerCase())]);
    for (const cidr of opts.proxy?.trusted ?? []) {
      const [addr, bits] = cidr.split('/') as [string, string | undefined];
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.proxies.addAddress(addr, type);
      else this.proxies.addSubnet(addr, Number(bits), type);
    }
  }

  /** Refuses a Host header that is neither loopback nor configured. */
  checkHost(req: http.IncomingMessage): void {
    const name = hostName(req.headers.host ?? '');
    if (!this.hosts.has(name))
      throw new HttpError(403, `host ${JSON.stringify(name)} is not allowed (NANOCLAW_WEB_ALLOWED_HOSTS)`);
  }

  /** The authenticated user of an /api request; 401 without a valid credential. */
  identify(req: http.IncomingMessage): Identity {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      const userId = token ? this.bearerUser(token) : null;
      if (!userId) throw new HttpError(401, 'wrong or expired bearer token');
      return { userId, via: 'bearer' };
    }
    this.checkHost(req);
    const proxied = this.opts.proxy && req.headers[this.opts.proxy.header];
    if (typeof proxied === 'string' && this.fromTrustedProxy(req)) {
      if (!WebIdent.safeParse(proxied).success)
        throw new HttpError(401, `${this.opts.proxy!.header} is not a usable user name`);
      return { userId: `web:${proxied}`, via: 'proxy' };
    }
    const session = cookie(req, SESSION_COOKIE);
    const userId = session ? userOfCredential(this.db, 'session', session) : null;
    if (!userId)
      throw new HttpError(
        401,
        'sign in first: open the sign-in URL the host printed, or send a bearer token',
      );
    return { userId, via: 'cookie' };
  }

  /** Refuses a cross-origin request, and a state-changing browser request that names no origin. */
  checkOrigin(req: http.IncomingMessage, who: Identity, changesState: boolean): void {
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (changesState && who.via !== 'bearer')
        throw new HttpError(403, 'a browser request must carry an Origin header');
      return;
    }
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      // "null" or garbage: not our origin
    }
    if (originHost === null || originHost !== (req.headers.host ?? '').toLowerCase())
      throw new HttpError(403, `cross-origin request from ${origin} refused`);
  }

  /** A one-time sign-in token for the owner, for the start-up line's `?token=`. */
  issueSignIn(userId = this.opts.owner): string {
    purgeExpired(this.db);
    return issueCredential(this.db, { kind: 'sign_in', userId, ttlMs: this.opts.signInTtlMs }).secret;
  }

  /** Exchanges a sign-in token for a session: the Set-Cookie value, or null when the token is not good. */
  signIn(token: string): string | null {
    const userId = consumeSignIn(this.db, token);
    if (!userId) return null;
    purgeExpired(this.db);
    const { secret } = issueCredential(this.db, {
      kind: 'session',
      userId,
      ttlMs: this.opts.sessionTtlMs,
    });
    const maxAge = Math.floor(this.opts.sessionTtlMs / 1000);
    return `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}`;
  }

  private bearerUser(token: string): string | null {
    const owner = this.opts.ownerToken;
    if (owner !== undefined) {
      const a = Buffer.from(token);
      const b = Buffer.from(owner);
      if (a.length === b.length && timingSafeEqual(a, b)) return this.opts.owner;
    }
    return userOfCredential(this.db, 'token', token);
  }

  private fromTrustedProxy(req: http.IncomingMessage): boolean {
    const raw = req.socket.remoteAddress ?? '';
    const addr = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
    const type = isIP(addr);
    return type !== 0 && this.proxies.check(addr, type === 6 ? 'ipv6' : 'ipv4');
  }
}

/** The host part of a Host header, lower case, without port or IPv6 brackets. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function cookie(req: http.IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
