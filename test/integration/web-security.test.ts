/**
 * The web chat's identity and request checks against a real host process: each test is an attack that worked
 * before identity came from credentials (any page could post as the owner; any token holder could pick a sender,
 * watch any chat and answer any question).
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../host/access/members.js';
import { grantRole } from '../../host/access/roles.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { upsertMessagingGroup } from '../../host/db/messaging-groups.js';
import { upsertWiring } from '../../host/db/wirings.js';
import { issueCredential } from '../../host/web-auth/credentials.js';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { withDb } from '../support/seed.js';
import { authFor, ChatStream, send } from '../support/web-client.js';

let host: HostProcess;
const streams: ChatStream[] = [];

beforeAll(async () => {
  const dataDir = tempDir();
  withDb(dataDir, (db) => {
    upsertAgentGroup(db, { id: 'helper', name: 'Helper', folder: 'helper', provider: 'mock' });
    const team = upsertMessagingGroup(db, {
      channelType: 'web',
      platformId: 'team',
      unknownSenderPolicy: 'strict',
    });
    upsertWiring(db, {
      messagingGroupId: team.id,
      agentGroupId: 'helper',
      engageMode: 'pattern',
      engagePattern: '.',
    });
    grantRole(db, { userId: 'web:local', role: 'owner' });
    for (const user of ['bob', 'carol', 'spammer', 'watcher'])
      addMember(db, { userId: `web:${user}`, agentGroupId: 'helper' });
  });
  host = await startHostProcess({
    dataDir,
    env: {
      NANOCLAW_WEB_RATE_BURST: '5',
      NANOCLAW_WEB_RATE_PER_MINUTE: '6',
      NANOCLAW_WEB_STREAMS_PER_USER: '3',
      NANOCLAW_WEB_ALLOWED_HOSTS: 'chat.example.test',
      NANOCLAW_WEB_PROXY_USER_HEADER: 'X-Forwarded-User',
      NANOCLAW_WEB_TRUSTED_PROXIES: '127.0.0.2/32',
    },
  });
});

afterAll(async () => {
  for (const s of streams) s.close();
  expect(await host?.stop()).toBe(0);
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A request with full control over Host, Origin, cookies and the source address; resolves on the headers. */
function request(
  method: string,
  target: string,
  o: { headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<Answer> {
  const url = new URL(target, host.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: o.headers,
        ...(o.from ? { localAddress: o.from } : {}),
      },
      (res) => {
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          res.destroy();
          return resolve({ status: res.statusCode!, headers: res.headers, body: {} });
        }
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode!, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

const json = { 'content-type': 'application/json' };
const owner = () => authFor(host.url);
const origin = () => ({ origin: host.url.replace(/\/$/, '') });
const postMessage = (headers: Record<string, string>, body: unknown = { text: 'hi' }, from?: string) =>
  request('POST', '/api/messages', {
    headers: { ...json, ...headers },
    body: JSON.stringify(body),
    ...(from ? { from } : {}),
  });

/** A browser session for `userId`: a one-time sign-in token issued into the DB, exchanged for the cookie. */
async function sessionCookie(userId = 'web:local'): Promise<string> {
  const token = withDb(host.dataDir, (db) =>
    issueCredential(db, { kind: 'sign_in', userId, ttlMs: 60_000 }),
  ).secret;
  const r = await request('GET', `/?chat=team&token=${token}`);
  expect(r).toMatchObject({ status: 303, headers: { location: '/?chat=team' } });
  return String(r.headers['set-cookie']).split(';')[0]!;
}

describe('signing in', () => {
  let cookie: string;

  it('the start-up line is a sign-in URL; opening it sets an HttpOnly SameSite=Strict cookie and drops the token', async () => {
    expect(host.signInUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    const r = await request('GET', `/${new URL(host.signInUrl).search}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/^nanoclaw_session=[A-Za-z0-9_-]{40,}; /);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Max-Age=\d+/);
    cookie = set.split(';')[0]!;
    expect((await postMessage({ cookie, ...origin() })).status).toBe(202);
    expect((await request('GET', '/api/events?chat=team', { headers: { cookie } })).status).toBe(200);
  });

  it('refuses the one-time sign-in token a second time', async () => {
    const r = await request('GET', `/${new URL(host.signInUrl).search}`);
    expect(r.status).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a bearer token as a sign-in token, and a made-up session cookie', async () => {
    const bearer = owner().authorization!.slice('Bearer '.length);
    expect((await request('GET', `/?token=${bearer}`)).status).toBe(401);
    expect((await postMessage({ cookie: 'nanoclaw_session=forged', ...origin() })).status).toBe(401);
  });

  it('refuses a cookie-authenticated POST without an Origin (a browser always sends one)', async () => {
    expect((await postMessage({ cookie })).status).toBe(403);
  });
});

describe('requests without a credential', () => {
  it('refuses a message and the event stream with 401', async () => {
    expect((await postMessage({})).status).toBe(401);
    expect((await request('GET', '/api/events?chat=main')).status).toBe(401);
    expect(
      (await request('POST', '/api/actions', { headers: json, body: '{"questionId":"q","value":"v"}' }))
        .status,
    ).toBe(401);
  });

  it('refuses a bearer token in the URL: only the one-time sign-in token travels there', async () => {
    const token = owner().authorization!.slice('Bearer '.length);
    expect((await request('GET', `/api/events?chat=main&token=${token}`)).status).toBe(401);
  });
});

describe('cross-site requests', () => {
  it('refuses a text/plain body that also names application/json (no CORS preflight) with 415', async () => {
    const r = await postMessage({ ...owner(), 'content-type': 'text/plain; application/json' });
    expect(r.status).toBe(415);
    expect(
      (await postMessage({ ...owner(), 'content-type': 'application/json; charset=utf-8' })).status,
    ).toBe(202);
  });

  it('refuses a POST from another origin with 403, even with a valid credential', async () => {
    const cookie = await sessionCookie();
    const attempts: Record<string, string>[] = [
      { ...owner(), origin: 'http://evil.example' },
      { cookie, origin: 'http://evil.example' },
      { cookie, origin: 'null' },
      { cookie, origin: 'http://127.0.0.1:1' },
    ];
    for (const headers of attempts) {
      const r = await postMessage(headers);
      expect(r.status, JSON.stringify(headers.origin)).toBe(403);
      expect(r.body.error).toMatch(/origin/i);
    }
  });

  it('refuses a foreign Host header (DNS rebinding) on the page, sign-in and API, and allows a configured one', async () => {
    const evil = { host: 'evil.example:3000' };
    expect((await request('GET', '/', { headers: evil })).status).toBe(403);
    expect((await postMessage(evil)).status).toBe(403);
    expect((await request('GET', '/api/events?chat=main', { headers: evil })).status).toBe(403);
    expect((await request('GET', '/', { headers: { host: 'chat.example.test' } })).status).toBe(200);
    expect((await request('GET', '/healthz', { headers: evil })).status).toBe(200);
  });
});

describe('identity comes from the credential, never from the body', () => {
  it('refuses a body sender with 400 naming the field', async () => {
    const r = await postMessage(owner(), { text: 'hi', sender: 'bob' });
    expect(r).toMatchObject({ status: 400, body: { field: 'sender' } });
    const a = await request('POST', '/api/actions', {
      headers: { ...json, ...owner() },
      body: JSON.stringify({ questionId: 'q', value: 'v', sender: 'bob' }),
    });
    expect(a).toMatchObject({ status: 400, body: { field: 'sender' } });
  });

  it.each([
    ['chat', { text: 'x', chat: 'a\u2028b' }],
    ['thread', { text: 'x', thread: 'a\u2029b' }],
    ['chat', { text: 'x', chat: 'a\u200eb' }],
  ])('refuses a %s with a line separator or format character with 400 naming it', async (field, body) => {
    expect(await postMessage(owner(), body)).toMatchObject({ status: 400, body: { field } });
  });

  it('refuses a per-user token once it is revoked (nanoclaw web-token)', async () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'web-token', ...args, '--data-dir', host.dataDir], {
        encoding: 'utf8',
      });
    const created = cli('create', '--user', 'web:erin', '--label', 'laptop');
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    expect((await postMessage({ authorization: `Bearer ${token}` })).status).toBe(202);
    const listed = cli('list')
      .stdout.split('\n')
      .find((l) => l.includes('web:erin'))!;
    expect(listed).toMatch(/laptop$/);
    expect(listed).not.toContain(token);
    expect(cli('revoke', listed.split('\t')[0]!).status).toBe(0);
    expect((await postMessage({ authorization: `Bearer ${token}` })).status).toBe(401);
    expect(cli('create', '--user', 'telegram:1').status).toBe(2);
  });
});

describe('what a user may see and answer', () => {
  it('refuses the events of a chat the user may not see with 403', async () => {
    const r = await request('GET', '/api/events?chat=team', { headers: authFor(host.url, 'dave') });
    expect(r).toMatchObject({ status: 403, body: { field: 'chat' } });
    expect(
      (await request('GET', '/api/events?chat=team', { headers: authFor(host.url, 'carol') })).status,
    ).toBe(200);
  });

  it('lets only the asked user answer a question card; the agent learns who answered', async () => {
    const chat = new ChatStream(host.url, 'team', null, 'bob');
    streams.push(chat);
    await chat.opened();
    const args = {
      title: 'Deploy',
      question: 'Ship it?',
      options: [{ label: 'Yes', value: 'yes' }],
      timeoutSeconds: 30,
    };
    await send(host.url, {
      chat: 'team',
      sender: 'bob',
      text: `deploy [[tool:ask_user_question ${JSON.stringify(args)}]]`,
    });
    const card = await chat.waitFor((r) => r.question !== undefined, 20_000);
    const answer = (sender: string) =>
      request('POST', '/api/actions', {
        headers: { ...json, ...authFor(host.url, sender) },
        body: JSON.stringify({ questionId: card.question!.questionId, value: 'yes' }),
      });
    expect(await answer('carol')).toMatchObject({ status: 403, body: { field: 'questionId' } });
    expect((await answer('dave')).status).toBe(403);
    expect((await answer('bob')).status).toBe(202);
    await chat.waitFor((r) => r.text.includes('[tool ask_user_question] yes'), 20_000);
    expect(answersIn(host.dataDir)).toEqual([
      expect.objectContaining({ type: 'question_response', userId: 'web:bob' }),
    ]);
  });
});

function answersIn(dataDir: string): Record<string, unknown>[] {
  const sessions = withDb(dataDir, (db) =>
    db.all(db.q.selectFrom('sessions').select('id').where('agent_group_id', '=', 'helper')),
  );
  return sessions.flatMap(({ id }) => {
    const db = new Database(path.join(dataDir, 'sessions', 'helper', id, 'inbound.db'), { readonly: true });
    try {
      return (
        db.prepare(`SELECT content FROM messages_in WHERE kind = 'system'`).all() as { content: string }[]
      )
        .map((r) => JSON.parse(r.content) as Record<string, unknown>)
        .filter((c) => c.type === 'question_response');
    } finally {
      db.close();
    }
  });
}

describe('caps', () => {
  it('rate-limits one sender with 429, a JSON error and Retry-After, without slowing others', async () => {
    const statuses: number[] = [];
    let last: Answer | null = null;
    for (let i = 0; i < 7; i++) {
      last = await postMessage(authFor(host.url, 'spammer'), { chat: 'team', text: `spam ${i}` });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
    expect(last!.body).toMatchObject({ error: expect.stringMatching(/too many messages/), field: null });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await postMessage(authFor(host.url, 'carol'), { chat: 'team', text: 'still me' })).status).toBe(
      202,
    );
  });

  it('caps open event streams per user with 429', async () => {
    const open = [0, 1, 2].map(() => new ChatStream(host.url, 'team', null, 'watcher'));
    streams.push(...open);
    await Promise.all(open.map((s) => s.opened()));
    const r = await request('GET', '/api/events?chat=team', { headers: authFor(host.url, 'watcher') });
    expect(r).toMatchObject({ status: 429, body: { error: expect.stringMatching(/event streams/) } });
    open[0]!.close();
    await expect
      .poll(
        async () =>
          (await request('GET', '/api/events?chat=team', { headers: authFor(host.url, 'watcher') })).status,
      )
      .toBe(200);
  });
});

describe('an authenticating proxy', () => {
  it('is trusted only from a configured address, and its requests still need an Origin to change state', async () => {
    const user = { 'x-forwarded-user': 'bob' };
    expect((await request('GET', '/api/events?chat=team', { headers: user })).status).toBe(401);
    const proxied = await request('GET', '/api/events?chat=team', { headers: user, from: '127.0.0.2' });
    expect(proxied.status).toBe(200);
    expect((await postMessage(user, { text: 'via proxy' }, '127.0.0.2')).status).toBe(403);
    expect(
      (await postMessage({ ...user, ...origin() }, { chat: 'team', text: 'via proxy' }, '127.0.0.2')).status,
    ).toBe(202);
    const dave = await request('GET', '/api/events?chat=team', {
      headers: { 'x-forwarded-user': 'dave' },
      from: '127.0.0.2',
    });
    expect(dave.status).toBe(403);
  });
});
