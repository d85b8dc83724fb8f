/**
 * An agent group's own MCP servers (NANOCLAW_MCP_SERVERS) end to end on the runner: the real agent-runner, the
 * real Claude Agent SDK and Claude Code, a real stdio MCP server (test/fixtures/mcp/echo-server.ts), a fake model
 * API that calls its tool, and a stand-in for the host's notification channel that receives the report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerNotice } from '../../protocol/notify.js';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { ChannelServer } from '../support/runner-channel-server.js';
import { HostSide, TEST_TOKEN, startReadyRunner, stopAll, waitFor } from '../support/runner-harness.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const ECHO_SERVER = path.join(REPO, 'dist', 'test', 'fixtures', 'mcp', 'echo-server.js');

type McpNotice = Extract<RunnerNotice, { type: 'mcp' }>;

describe('agent-runner with the agent group’s own MCP servers', () => {
  let host: HostSide;
  let fake: FakeAnthropic;
  let channel: ChannelServer;
  let tmp: string;
  let echoLog: string;

  const mcpNotices = (): McpNotice[] => channel.notices.filter((n): n is McpNotice => n.type === 'mcp');

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanoclaw-mcp-'));
    echoLog = path.join(tmp, 'echo.log');
    fake = await FakeAnthropic.start();
    channel = await ChannelServer.start(TEST_TOKEN);
    host = HostSide.create();
    await startReadyRunner(host, {
      NANOCLAW_PROVIDER: 'claude',
      NANOCLAW_SESSION_TOKEN: TEST_TOKEN,
      NANOCLAW_HOST_URL: channel.url,
      ANTHROPIC_BASE_URL: fake.url,
      NANOCLAW_MCP_SERVERS: JSON.stringify([
        { name: 'echo', command: process.execPath, args: [ECHO_SERVER], env: { ECHO_LOG: echoLog } },
        {
          name: 'broken',
          command: process.execPath,
          args: [ECHO_SERVER],
          env: { ECHO_FAIL: 'cannot open /data/db.sqlite' },
        },
        { name: 'missing', command: '/nonexistent/mcp-server' },
      ]),
    });
  }, 60_000);
  afterAll(async () => {
    await stopAll();
    await fake.close();
    await channel.close();
    host.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('starts a configured stdio server and runs the tool the model calls', async () => {
    const before = fake.messageRequests().length;
    const id = host.chat('look this up MCP_CALL:mcp__echo__echo:ping-42');
    expect(await host.finished(id, 60_000)).toBe('completed');
    expect(host.repliesTo(id).map((r) => r.json.text)).toEqual(['Tool said: echo: ping-42']);
    // The server process ran the call, with the env it was configured with.
    expect(fs.readFileSync(echoLog, 'utf8')).toBe('ping-42\n');
    const tools = fake.messageRequests()[before]!.body.tools!.map((t) => t.name);
    expect(tools).toContain('mcp__echo__echo');
    expect(tools.some((t) => t.startsWith('mcp__broken__') || t.startsWith('mcp__missing__'))).toBe(false);
  }, 90_000);

  it('reports each server to the host: ready with its tool count, or failed with the reason', async () => {
    const notice = await waitFor('the MCP report', () => mcpNotices()[0], 10_000);
    const byName = Object.fromEntries(notice.servers.map((s) => [s.name, s]));
    expect(byName.echo).toEqual({ name: 'echo', state: 'ready', tools: 1 });
    expect(byName.broken).toMatchObject({ state: 'failed', tools: 0 });
    expect(byName.broken!.error).toContain('cannot open /data/db.sqlite');
    expect(byName.missing).toMatchObject({ state: 'failed', tools: 0 });
    expect(byName.missing!.error).toMatch(/ENOENT/);
  });

  it('tells the agent in its system prompt which servers could not be started', () => {
    const system = JSON.stringify(fake.messageRequests()[0]!.body.system);
    expect(system).toContain('could not be started');
    expect(system).toMatch(/- broken: [^\\]*cannot open \/data\/db.sqlite/);
    expect(system).toMatch(/- missing: /);
    expect(system).not.toMatch(/- echo: /);
  });

  it('sends the report again when the channel reconnects', async () => {
    const count = mcpNotices().length;
    const connections = channel.connections;
    channel.drop();
    await waitFor(
      'the report after a reconnect',
      () => channel.connections > connections && mcpNotices().length > count,
      15_000,
    );
    expect(mcpNotices().at(-1)).toEqual(mcpNotices()[0]);
  });
});
