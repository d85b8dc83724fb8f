/**
 * The egress proxy on the real runner port HTTP server, with a real central DB (sessions, tokens, agent groups)
 * and real sockets: TCP echo servers on 127.0.0.1 stand in for internet hosts.
 */
import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EgressRule } from '../../protocol/egress.js';
import { egressRulesOf, upsertAgentGroup } from '../db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../db/central-db.js';
import { upsertMessagingGroup } from '../db/messaging-groups.js';
import { RunnerLink } from '../runner/runner-link.js';
import { NO_SECRETS } from '../mcp/secret-source.js';
import { createRunnerServer } from '../runner/runner-server.js';
import { authenticateRunner, hashToken, newSessionToken } from '../runner/session-token.js';
import { resolveSession, setRunnerTokenHash } from '../session/session-store.js';
import { createEgressProxy, type EgressProxy } from './egress-proxy.js';

let dir: string;
let db: CentralDb;
let server: http.Server;
let egress: EgressProxy;
let proxyPort: number;
let logs: Record<string, unknown>[];
let counted: string[];
const echoes: net.Server[] = [];
const clients: net.Socket[] = [];

async function echoServer(): Promise<number> {
  const s = net.createServer((c) => c.pipe(c));
  echoes.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as net.AddressInfo).port;
}

/** An agent group with `egress` and a live session; returns the session's token. */
function groupWithToken(id: string, egressRules?: EgressRule[]): string {
  upsertAgentGroup(db, { id, name: id, folder: id, runner: egressRules ? { egress: egressRules } : {} });
  const chat = upsertMessagingGroup(db, { channelType: 'web', platformId: `chat-${id}`, name: id });
  const { session } = resolveSession(db, {
    agentGroupId: id,
    messagingGroupId: chat.id,
    threadId: null,
    mode: 'shared',
  });
  const token = newSessionToken();
  setRunnerTokenHash(db, session.id, hashToken(token));
  return token;
}

async function start(opts: { maxTunnels?: number; resolve?: (name: string) => Promise<string[]> } = {}) {
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  egress = createEgressProxy({
    authenticate: (token) => authenticateRunner(db, token),
    rulesOf: (id) => egressRulesOf(db, id),
    secrets: NO_SECRETS,
    maxBodyBytes: 1024,
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
    connectTimeoutMs: 2000,
    maxTunnelsPerSession: opts.maxTunnels ?? 8,
    idleTimeoutMs: 60_000,
    log,
    countRefused: (l) => counted.push(`refused ${l.agent_group}`),
    countTunnel: (l) => counted.push(`tunnel ${l.agent_group}`),
  });
  server = createRunnerServer({
    link: new RunnerLink(log),
    authenticate: (token) => authenticateRunner(db, token),
    proxy: {
      apiKey: undefined,
      upstream: 'http://127.0.0.1:1',
      maxBodyBytes: 1024,
      ratePerMinute: 60,
      rateBurst: 10,
      log,
    },
    egress,
    mcpProxy: { upstreamOf: () => undefined, secrets: NO_SECRETS, maxBodyBytes: 1024, log },
    log,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyPort = (server.address() as net.AddressInfo).port;
}

interface Tunnel {
  status: number;
  statusLine: string;
  body: string;
  socket: net.Socket;
}

/** Sends `CONNECT target` with the token as Basic proxy credentials; resolves once the response head is read. */
function connect(target: string, token?: string, scheme: 'Basic' | 'Bearer' = 'Basic'): Promise<Tunnel> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1');
    clients.push(socket);
    const credentials =
      token === undefined
        ? ''
        : `Proxy-Authorization: ${scheme} ${scheme === 'Basic' ? Buffer.from(`nanoclaw:${token}`).toString('base64') : token}\r\n`;
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${credentials}\r\n`);
    let buf = '';
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const statusLine = buf.slice(0, buf.indexOf('\r\n'));
      const status = Number(statusLine.split(' ')[1]);
      const rest = buf.slice(end + 4);
      if (status === 200) return resolve({ status, statusLine, body: rest, socket });
      let body = rest;
      socket.on('data', (c: Buffer) => (body += c.toString('utf8')));
      socket.on('close', () => resolve({ status, statusLine, body, socket }));
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

function echo(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (c: Buffer): void => {
      got += c.toString('utf8');
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-egress-'));
  db = openCentralDb(path.join(dir, 'nanoclaw.db'));
  logs = [];
  counted = [];
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  egress?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  for (const s of echoes.splice(0)) s.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the egress proxy', () => {
  it('opens a tunnel to an allowed host:port and carries bytes both ways, and counts it', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [port] }]);
    await start();
    const t = await connect(`localhost:${port}`, token);
    expect(t.statusLine).toBe('HTTP/1.1 200 Connection Established');
    expect(await echo(t.socket, 'ping through the tunnel')).toBe('ping through the tunnel');
    expect(counted).toEqual(['tunnel ag']);
  });

  it('takes the token as a Bearer credential too, and a name in upper case with a trailing dot', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [port] }]);
    await start();
    const t = await connect(`LocalHost.:${port}`, token, 'Bearer');
    expect(t.status).toBe(200);
    expect(await echo(t.socket, 'x')).toBe('x');
  });

  it('refuses a host outside the list with a one-line reason, a warn log and a count', async () => {
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [443] }]);
    await start();
    const t = await connect('api.github.com:443', token);
    expect(t.status).toBe(403);
    expect(t.statusLine).toBe(
      "HTTP/1.1 403 egress refused: api.github.com is not in this agent group's spec.egress",
    );
    expect(t.body).toBe("egress refused: api.github.com is not in this agent group's spec.egress\n");
    const warn = logs.find((l) => l.msg === 'egress refused')!;
    expect(warn).toMatchObject({ level: 40, agentGroupId: 'ag', target: 'api.github.com:443', status: 403 });
    expect(warn.sessionId).toMatch(/^sess/);
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(counted).toEqual(['refused ag']);
  });

  it('refuses a port the entry does not list, naming the ports it does', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [port] }]);
    await start();
    const t = await connect(`localhost:${port + 1}`, token);
    expect(t.status).toBe(403);
    expect(t.body).toBe(
      `egress refused: port ${port + 1} is not allowed for localhost (spec.egress localhost: ports ${port})\n`,
    );
  });

  it('answers 407 without credentials, with a wrong token and with a token of a closed session', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [port] }]);
    await start();
    for (const t of [undefined, 'nct_not-a-token-of-any-session', '']) {
      const r = await connect(`localhost:${port}`, t);
      expect(r.status).toBe(407);
      expect(r.body).toBe('egress refused: proxy credentials missing or not a live session token\n');
    }
    db.raw.prepare(`UPDATE sessions SET status = 'closed'`).run();
    expect((await connect(`localhost:${port}`, token)).status).toBe(407);
    expect(counted).toEqual([]);
  });

  it("gives a token of another agent group that group's list", async () => {
    const [portA, portB] = [await echoServer(), await echoServer()];
    const tokenA = groupWithToken('a', [{ host: 'localhost', ports: [portA] }]);
    const tokenB = groupWithToken('b', [{ host: 'localhost', ports: [portB] }]);
    groupWithToken('none');
    await start();
    expect((await connect(`localhost:${portB}`, tokenA)).status).toBe(403);
    expect((await connect(`localhost:${portA}`, tokenB)).status).toBe(403);
    const b = await connect(`localhost:${portB}`, tokenB);
    expect(b.status).toBe(200);
    expect(await echo(b.socket, 'b')).toBe('b');
    expect(counted).toEqual(['refused a', 'refused b', 'tunnel b']);
  });

  it('refuses every tunnel of a group without spec.egress, and applies a changed list to the next tunnel', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag');
    await start();
    const none = await connect(`localhost:${port}`, token);
    expect(none.body).toBe('egress refused: this agent group has no spec.egress: it reaches only the host\n');
    upsertAgentGroup(db, {
      id: 'ag',
      name: 'ag',
      folder: 'ag',
      runner: { egress: [{ host: 'localhost', ports: [port] }] },
    });
    expect((await connect(`localhost:${port}`, token)).status).toBe(200);
  });

  it('refuses IP literals and targets that are not host:port', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [port] }]);
    await start();
    for (const target of [`127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await connect(target, token)).body).toBe(
        'egress refused: IP addresses are refused: spec.egress lists host names\n',
      );
    }
    expect((await connect('localhost', token)).body).toBe('egress refused: a CONNECT target is host:port\n');
    expect((await connect('localhost:99999', token)).body).toBe(
      'egress refused: a CONNECT target is host:port\n',
    );
  });

  it('never reaches an internal address through a wildcard entry, but does through the exact name', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: '*.example.test', ports: [port] }]);
    await start({ resolve: (name) => Promise.resolve(name === 'svc.example.test' ? ['127.0.0.1'] : []) });
    const wild = await connect(`svc.example.test:${port}`, token);
    expect(wild.body).toBe(
      'egress refused: svc.example.test resolves only to internal addresses, which a wildcard entry never reaches (list the name exactly)\n',
    );
    upsertAgentGroup(db, {
      id: 'ag',
      name: 'ag',
      folder: 'ag',
      runner: {
        egress: [
          { host: '*.example.test', ports: [port] },
          { host: 'svc.example.test', ports: [port] },
        ],
      },
    });
    const exact = await connect(`svc.example.test:${port}`, token);
    expect(exact.status).toBe(200);
    expect(await echo(exact.socket, 'exact')).toBe('exact');
  });

  it('says when a name does not resolve or its port refuses the connection', async () => {
    const closed = await echoServer();
    echoes.pop()!.close();
    const token = groupWithToken('ag', [
      { host: 'localhost', ports: [closed] },
      { host: 'nowhere.invalid', ports: [443] },
    ]);
    await start();
    const refused = await connect(`localhost:${closed}`, token);
    expect(refused.statusLine).toBe(
      `HTTP/1.1 502 egress refused: localhost:${closed} refused the connection`,
    );
    const unknown = await connect('nowhere.invalid:443', token);
    expect(unknown.statusLine).toBe('HTTP/1.1 502 egress refused: nowhere.invalid does not resolve');
  });

  it('refuses a tunnel over the per-session limit until one closes', async () => {
    const port = await echoServer();
    const token = groupWithToken('ag', [{ host: 'localhost', ports: [port] }]);
    await start({ maxTunnels: 1 });
    const first = await connect(`localhost:${port}`, token);
    expect(first.status).toBe(200);
    const second = await connect(`localhost:${port}`, token);
    expect(second.body).toBe('egress refused: at most 1 tunnels may be open at once per session\n');
    first.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await connect(`localhost:${port}`, token)).status).toBe(200);
  });

  it('answers a plain-http request 407 without a token, and refuses it for an entry without headers', async () => {
    await start();
    const token = groupWithToken('plain', [{ host: 'example.com', ports: [443] }]);
    const send = (credentials: string) =>
      new Promise<string>((resolve) => {
        const s = net.connect(proxyPort, '127.0.0.1', () =>
          s.write(`GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n${credentials}\r\n`),
        );
        clients.push(s);
        let buf = '';
        s.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          if (buf.includes('\n', buf.indexOf('\r\n\r\n') + 4)) resolve(buf);
        });
      });
    const anonymous = await send('');
    expect(anonymous.split('\r\n')[0]).toBe('HTTP/1.1 407 Proxy Authentication Required');
    const raw = await send(
      `Proxy-Authorization: Basic ${Buffer.from(`nanoclaw:${token}`).toString('base64')}\r\n`,
    );
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(raw).toContain(
      'egress refused: plain http is not forwarded to example.com: its spec.egress entry has no headers, so use https://example.com/… (a CONNECT tunnel)\n',
    );
    expect(counted).toContain('refused plain');
  });
});
