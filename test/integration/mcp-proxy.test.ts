/**
 * The remote-MCP proxy on the real runner server, with a real HTTP server on 127.0.0.1 as the remote MCP server
 * and Secrets read from a real manifest folder: what a runner holding a valid session token can and cannot make
 * the host send, and that an event stream reaches the runner event by event.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manifestSecrets } from '../../cli/manifest-secrets.js';
import type { McpRemoteUpstream } from '../../host/db/runner-config.js';
import type { Session } from '../../host/db/schema.js';
import { RunnerLink } from '../../host/runner/runner-link.js';
import { createRunnerServer } from '../../host/runner/runner-server.js';
import { rawRequest } from '../support/raw-request.js';

const TOKEN_A = 'nct_session-a-token-0123456789';
const TOKEN_B = 'nct_session-b-token-0123456789';
const SESSIONS: Record<string, Session> = {
  [TOKEN_A]: { id: 'sess-a', agent_group_id: 'ga', status: 'active' } as Session,
  [TOKEN_B]: { id: 'sess-b', agent_group_id: 'gb', status: 'active' } as Session,
};
const SECRET = 'tools-key-very-secret-0042';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let upstream: http.Server;
let upstreamUrl: string;
const seen: Seen[] = [];
/** Resolves the held-open event stream's second event. */
let releaseSecond: (() => void) | undefined;
let runner: http.Server;
let runnerUrl: string;
let configDir: string;
const logs: string[] = [];

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'up-1' });
        res.write('event: message\ndata: {"n":1}\n\n');
        releaseSecond = () => res.end('event: message\ndata: {"n":2}\n\n');
        return;
      }
      if (body.includes('"redirect"')) {
        res.writeHead(307, {
          location: `${upstreamUrl}&moved=1`,
          'www-authenticate': `Bearer resource_metadata="${upstreamUrl}"`,
        });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'track=1' });
      res.end('{"jsonrpc":"2.0","result":{},"id":1}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base/mcp?tenant=7`;

  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-mcp-proxy-'));
  fs.writeFileSync(
    path.join(configDir, 'secrets.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata: { name: tools }\ndata:\n  key: ${Buffer.from(SECRET).toString('base64')}\n`,
  );
  const servers: Record<string, McpRemoteUpstream[]> = {
    ga: [
      {
        name: 'tools',
        type: 'http',
        url: upstreamUrl,
        namespace: 'default',
        headers: [
          { name: 'X-Tools-Key', secretKeyRef: { name: 'tools', key: 'key' } },
          { name: 'Accept', value: 'application/json, text/event-stream' },
        ],
      },
      {
        name: 'broken',
        type: 'http',
        url: upstreamUrl,
        namespace: 'default',
        headers: [{ name: 'X-Tools-Key', secretKeyRef: { name: 'tools', key: 'nope' } }],
      },
    ],
    gb: [],
  };
  const log = pino({ level: 'debug' }, {
    write: (line: string) => void logs.push(line),
  } as unknown as NodeJS.WritableStream);
  const link = new RunnerLink(log);
  runner = createRunnerServer({
    link,
    authenticate: (token) => SESSIONS[token],
    proxy: {
      apiKey: undefined,
      upstream: 'http://127.0.0.1:9',
      maxBodyBytes: 1024,
      ratePerMinute: 6000,
      rateBurst: 1000,
      log,
    },
    mcpProxy: {
      upstreamOf: (session, name) => servers[session.agent_group_id]?.find((s) => s.name === name),
      secrets: manifestSecrets(configDir),
      maxBodyBytes: 1024,
      log,
    },
    log,
  });
  await new Promise<void>((resolve) => runner.listen(0, '127.0.0.1', resolve));
  runnerUrl = `http://127.0.0.1:${(runner.address() as AddressInfo).port}`;
});

afterAll(async () => {
  runner.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => runner.close(() => resolve()));
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  fs.rmSync(configDir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
});

const post = (
  target: string,
  opts: { token?: string; body?: string; headers?: Record<string, string> } = {},
) =>
  rawRequest({
    base: runnerUrl,
    method: 'POST',
    target,
    headers: {
      authorization: `Bearer ${opts.token ?? TOKEN_A}`,
      'content-type': 'application/json',
      ...opts.headers,
    },
    body: opts.body ?? '{"jsonrpc":"2.0","method":"tools/list","id":1}',
  });

describe('the remote-MCP proxy', () => {
  it('forwards to the configured URL as configured, with the Secret header and only the MCP headers of the runner', async () => {
    const res = await post('/proxy/mcp/tools', {
      headers: {
        'mcp-session-id': 'up-1',
        'mcp-protocol-version': '2025-06-18',
        cookie: 'runner=1',
        'x-forwarded-host': 'evil.example',
        'x-tools-key': 'chosen-by-the-runner',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"jsonrpc":"2.0","result":{},"id":1}');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(seen).toHaveLength(1);
    const [call] = seen;
    expect(call!.url).toBe('/base/mcp?tenant=7');
    expect(call!.body).toBe('{"jsonrpc":"2.0","method":"tools/list","id":1}');
    expect(call!.headers['x-tools-key']).toBe(SECRET);
    expect(call!.headers.accept).toBe('application/json, text/event-stream');
    expect(call!.headers['mcp-session-id']).toBe('up-1');
    expect(call!.headers['mcp-protocol-version']).toBe('2025-06-18');
    for (const h of ['authorization', 'cookie', 'x-forwarded-host']) expect(call!.headers[h]).toBeUndefined();
    expect(logs.join('')).not.toContain(SECRET);
  });

  it('passes an event stream through as it comes: the first event arrives while the stream is still open', async () => {
    const res = await fetch(`${runnerUrl}/proxy/mcp/tools`, {
      headers: { authorization: `Bearer ${TOKEN_A}`, accept: 'text/event-stream' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value as Uint8Array);
    expect(first).toContain('data: {"n":1}');
    expect(releaseSecond).toBeDefined();
    releaseSecond!();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value as Uint8Array);
    expect(rest).toContain('data: {"n":2}');
  });

  it('passes a redirect back without its Location and does not follow it: the runner never learns the upstream', async () => {
    const res = await post('/proxy/mcp/tools', { body: '{"jsonrpc":"2.0","method":"redirect","id":2}' });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['/proxy/mcp/tools/../../other', 404],
    ['/proxy/mcp/tools?target=http://evil.example', 400],
    ['/proxy/mcp/tools/extra', 404],
    ['/proxy/mcp/unknown', 404],
  ])('refuses %s without contacting the server', async (target, status) => {
    const res = await post(target);
    expect(res.status).toBe(status);
    expect(seen).toEqual([]);
  });

  it('gives a session only its own agent group’s servers', async () => {
    const res = await post('/proxy/mcp/tools', { token: TOKEN_B });
    expect(res.status).toBe(404);
    expect(res.body).toContain('no remote MCP server "tools" for this agent group');
    expect(seen).toEqual([]);
  });

  it('refuses a call without a valid session token', async () => {
    const res = await post('/proxy/mcp/tools', { token: 'nct_not-a-session-token-000000' });
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('refuses a body over the limit before contacting the server', async () => {
    const res = await post('/proxy/mcp/tools', { body: 'x'.repeat(2000) });
    expect(res.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('says which Secret key is missing, without contacting the server', async () => {
    const res = await post('/proxy/mcp/broken');
    expect(res.status).toBe(502);
    expect(res.body).toBe(
      `header X-Tools-Key: Secret "tools" in ${path.basename(configDir)}/ has no key "nope"`,
    );
    expect(seen).toEqual([]);
  });

  it('reads an edited Secret on the next call', async () => {
    const file = path.join(configDir, 'secrets.yaml');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(
      file,
      'apiVersion: v1\nkind: Secret\nmetadata: { name: tools }\nstringData:\n  key: rotated-value\n',
    );
    try {
      expect((await post('/proxy/mcp/tools')).status).toBe(200);
      expect(seen.at(-1)!.headers['x-tools-key']).toBe('rotated-value');
    } finally {
      fs.writeFileSync(file, before);
    }
  });
});
