/**
 * Remote MCP servers (spec.mcpServers[].http) through the whole embedded path: manifests with a `kind: Secret` in
 * the config folder → the host starts a sandboxed runner (no network of its own) that knows each server only by
 * name → the runner's probe and Claude Code call `<host>/proxy/mcp/<name>` with the session token → the host adds
 * the configured headers, the Secret's value read from the folder, and forwards to a real streamable-HTTP MCP
 * server on 127.0.0.1 that refuses calls without the right key. The model is a fake Anthropic API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpStatusOf } from '../../host/db/mcp-status.js';
import { freePort } from '../fixtures/kube/processes.js';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { FakeMcpHttp } from '../support/fake-mcp-http.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { waitFor } from '../support/runner-harness.js';
import { withDb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

const SECRET = 'mcp-key-4f1d0c9e7b2a-held-only-by-the-host';

const manifests = (mcpUrl: string, downUrl: string) => `apiVersion: v1
kind: Secret
metadata: { name: mcp-creds }
stringData:
  api-key: ${SECRET}
  old-key: revoked-key
---
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant }
spec:
  provider: claude
  model: claude-sonnet-4-5
  mcpServers:
    - name: remote
      http:
        url: ${mcpUrl}
        headers:
          - { name: X-Api-Key, valueFrom: { secretKeyRef: { name: mcp-creds, key: api-key } } }
          - { name: X-Org, value: nanoclaw-tests }
    - name: wrongkey
      http:
        url: ${mcpUrl}
        headers: [{ name: X-Api-Key, valueFrom: { secretKeyRef: { name: mcp-creds, key: old-key } } }]
    - name: nosecret
      http:
        url: ${mcpUrl}
        headers: [{ name: X-Api-Key, valueFrom: { secretKeyRef: { name: absent, key: api-key } } }]
    - name: down
      http: { url: "${downUrl}" }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: web-main }
spec:
  channel: web
  platformId: main
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: local-owner }
spec: { user: "web:local", role: owner }
`;

let fake: FakeAnthropic;
let mcp: FakeMcpHttp;
let host: HostProcess;
let chat: ChatStream;
let dataDir: string;

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  mcp = await FakeMcpHttp.start({ path: '/mcp', requiredHeader: 'X-Api-Key', requiredValue: SECRET });
  const home = tempDir('nc-mcp-remote-');
  const configDir = path.join(home, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(
    path.join(configDir, 'agents.yaml'),
    manifests(mcp.url, `http://127.0.0.1:${await freePort()}/mcp`),
  );
  dataDir = path.join(home, 'data');
  host = await startHostProcess({
    dataDir,
    verb: 'start',
    env: {
      NANOCLAW_CONFIG_DIR: configDir,
      NANOCLAW_SANDBOX: 'bubblewrap',
      ANTHROPIC_API_KEY: 'sk-ant-api03-test-key',
      ANTHROPIC_BASE_URL: fake.url,
    },
  });
  chat = new ChatStream(host.url);
  await chat.opened();
}, 120_000);

afterAll(async () => {
  chat?.close();
  expect(await host?.stop()).toBe(0);
  await mcp?.close();
  await fake?.close();
});

describe('remote MCP servers behind the host', () => {
  it('the model calls a remote tool: the call goes through the host, which adds the Secret header', async () => {
    await send(host.url, { text: 'look it up MCP_CALL:mcp__remote__echo:ping-77' });
    const reply = await chat.waitFor((r) => r.text.startsWith('Tool said:'), 90_000);
    expect(reply.text).toBe('Tool said: echo: ping-77');
    expect(mcp.calls).toEqual(['ping-77']);
    const accepted = mcp.requests.filter((r) => r.headers['x-api-key'] === SECRET);
    expect(accepted.length).toBeGreaterThan(0);
    for (const r of accepted) {
      expect(r.headers['x-org']).toBe('nanoclaw-tests');
      // The runner's session token stays with the host.
      expect(r.headers.authorization).toBeUndefined();
      expect(JSON.stringify(r.headers)).not.toMatch(/nct_/);
    }
  }, 120_000);

  it('records the working server with its tools, and why the others failed', async () => {
    const rows = await waitFor(
      'four MCP reports in the central DB',
      () => {
        const r = withDb(dataDir, (db) => mcpStatusOf(db, 'assistant'));
        return r.length === 4 ? r : undefined;
      },
      20_000,
      200,
    );
    const byName = Object.fromEntries(rows.map((r) => [r.server_name, r]));
    expect(byName.remote).toMatchObject({ state: 'ready', tools: 1, error: null });
    expect(byName.wrongkey).toMatchObject({ state: 'failed', tools: 0 });
    expect(byName.wrongkey!.error).toMatch(/HTTP 401/);
    expect(byName.nosecret).toMatchObject({ state: 'failed', tools: 0 });
    expect(byName.nosecret!.error).toContain('HTTP 502');
    expect(byName.nosecret!.error).toContain('header X-Api-Key: Secret "absent" in nanoclaw.d/ not found');
    expect(byName.down).toMatchObject({ state: 'failed', tools: 0 });
    expect(byName.down!.error).toContain('remote MCP server "down" unreachable (ECONNREFUSED)');
    for (const r of rows) expect(r.error ?? '').not.toContain(SECRET);
  });

  it('tells the agent which remote servers could not be started', () => {
    const system = JSON.stringify(fake.messageRequests()[0]!.body.system);
    expect(system).toContain('could not be started');
    expect(system).toMatch(/- wrongkey: /);
    expect(system).toMatch(/- nosecret: [^\\]*Secret \\"absent\\" in nanoclaw\.d\/ not found/);
    expect(system).toMatch(/- down: /);
    expect(system).not.toMatch(/- remote: /);
  });

  it('never gives the runner the server URL or the Secret value', () => {
    const sessions = path.join(dataDir, 'sessions', 'assistant');
    const ids = fs.readdirSync(sessions);
    expect(ids.length).toBeGreaterThan(0);
    for (const s of ids) {
      const pid = Number(fs.readFileSync(path.join(dataDir, 'run', 'runners', `${s}.pid`), 'utf8'));
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(
        'NANOCLAW_MCP_SERVERS=' +
          JSON.stringify(['remote', 'wrongkey', 'nosecret', 'down'].map((name) => ({ name, type: 'http' }))),
      );
      expect(environ.join('\n')).not.toContain(SECRET);
      expect(environ.join('\n')).not.toContain(new URL(mcp.url).host);
    }
    expect(host.output.join('\n')).not.toContain(SECRET);
  });
});
