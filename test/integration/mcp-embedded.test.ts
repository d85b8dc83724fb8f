/**
 * spec.mcpServers through the whole embedded path: an AgentGroup manifest in the config folder → the projection →
 * the host starts a runner in the bubblewrap sandbox with NANOCLAW_MCP_SERVERS → the runner starts the
 * servers → its report reaches the host over the notification channel → mcp_server_status in the central DB and
 * a warning in the host's log for the one that failed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpStatusOf } from '../../host/db/mcp-status.js';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { waitFor } from '../support/runner-harness.js';
import { withDb } from '../support/seed.js';
import { ChatStream, send } from '../support/web-client.js';

// Paths as the sandboxed runner sees them: the app's dist/ at /app/dist, Node on PATH (/app/bin).
const ECHO_SERVER = '/app/dist/test/fixtures/mcp/echo-server.js';

const MANIFESTS = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant }
spec:
  provider: mock
  mcpServers:
    - name: echo
      stdio: { command: node, args: [${ECHO_SERVER}] }
    - name: broken
      stdio:
        command: node
        args: [${ECHO_SERVER}]
        env: [{ name: ECHO_FAIL, value: "no database at /data/mcp.db" }]
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

let host: HostProcess;
let dataDir: string;
let chat: ChatStream;

beforeAll(async () => {
  const home = tempDir('nc-mcp-');
  const configDir = path.join(home, 'nanoclaw.d');
  fs.mkdirSync(configDir);
  fs.writeFileSync(path.join(configDir, 'agents.yaml'), MANIFESTS);
  dataDir = path.join(home, 'data');
  host = await startHostProcess({
    dataDir,
    verb: 'start',
    env: { NANOCLAW_CONFIG_DIR: configDir, NANOCLAW_SANDBOX: 'bubblewrap', LOG_LEVEL: 'info' },
  });
  chat = new ChatStream(host.url);
  await chat.opened();
});

afterAll(async () => {
  chat?.close();
  expect(await host?.stop()).toBe(0);
});

describe('an agent group’s MCP servers in the embedded mode', () => {
  it('records each server the runner started, and why the other failed', async () => {
    await send(host.url, { text: 'hello tools' });
    await chat.waitFor((r) => r.text === 'Mock response to: hello tools', 30_000);
    const rows = await waitFor(
      'both MCP reports in the central DB',
      () => {
        const r = withDb(dataDir, (db) => mcpStatusOf(db, 'assistant'));
        return r.length === 2 ? r : undefined;
      },
      20_000,
      200,
    );
    expect(rows).toEqual([
      expect.objectContaining({ server_name: 'broken', state: 'failed', tools: 0 }),
      expect.objectContaining({ server_name: 'echo', state: 'ready', tools: 1, error: null }),
    ]);
    expect(rows[0]!.error).toContain('no database at /data/mcp.db');
    const warning = await host.waitForLog((l) => l.msg === 'MCP server failed to start in a runner');
    expect(warning).toMatchObject({ mcpServer: 'broken', agentGroup: 'assistant' });
  });
});
