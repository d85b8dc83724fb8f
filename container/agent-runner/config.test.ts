import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = { NANOCLAW_SESSION_ID: 's1', NANOCLAW_AGENT_GROUP_ID: 'ag-1' };
const token = 'tok-0123456789abcdef';

describe('loadConfig', () => {
  it('applies defaults and splits the admin list', () => {
    const c = loadConfig({ ...base, NANOCLAW_ADMIN_USER_IDS: 'web:a, telegram:1,,' });
    expect([...c.adminUserIds]).toEqual(['web:a', 'telegram:1']);
    expect(c).toMatchObject({ provider: 'mock', maxBatch: 10, pollIntervalMs: 2000, hostUrl: undefined });
    expect(c.paths.inboundDb).toBe('/workspace/inbound.db');
    expect(c.mcpServers).toEqual([]);
  });

  it('reads the MCP servers, filling in empty args and env', () => {
    const c = loadConfig({ ...base, NANOCLAW_MCP_SERVERS: '[{"name":"fs","command":"/bin/mcp-fs"}]' });
    expect(c.mcpServers).toEqual([{ name: 'fs', command: '/bin/mcp-fs', args: [], env: {} }]);
  });

  it('reaches a remote MCP server at the host, with the session token, never at its own URL', () => {
    const c = loadConfig({
      ...base,
      NANOCLAW_HOST_URL: 'http://10.0.0.5:3001/',
      NANOCLAW_SESSION_TOKEN: token,
      NANOCLAW_MCP_SERVERS: '[{"name":"github","type":"http"}]',
    });
    expect(c.mcpServers).toEqual([
      {
        name: 'github',
        type: 'http',
        url: 'http://10.0.0.5:3001/proxy/mcp/github',
        headers: { authorization: `Bearer ${token}` },
      },
    ]);
  });

  it.each([
    [{ NANOCLAW_AGENT_GROUP_ID: 'ag' }, /NANOCLAW_SESSION_ID/],
    [{ ...base, NANOCLAW_POLL_INTERVAL_MS: '5' }, /NANOCLAW_POLL_INTERVAL_MS/],
    [{ ...base, NANOCLAW_PROVIDER: 'gpt' }, /NANOCLAW_PROVIDER/],
    [{ ...base, NANOCLAW_HOST_URL: 'http://127.0.0.1:1' }, /NANOCLAW_SESSION_TOKEN/],
    [{ ...base, NANOCLAW_PROVIDER: 'claude', NANOCLAW_SESSION_TOKEN: token }, /ANTHROPIC_BASE_URL/],
    [{ ...base, NANOCLAW_SESSION_TOKEN_FILE: '/nonexistent/token' }, /NANOCLAW_SESSION_TOKEN_FILE/],
    [{ ...base, NANOCLAW_MCP_SERVERS: '[{"name":' }, /NANOCLAW_MCP_SERVERS/],
    [{ ...base, NANOCLAW_MCP_SERVERS: '[{"name":"Bad_Name","command":"x"}]' }, /NANOCLAW_MCP_SERVERS/],
    [{ ...base, NANOCLAW_MCP_SERVERS: '[{"name":"fs"}]' }, /NANOCLAW_MCP_SERVERS/],
    [
      { ...base, NANOCLAW_MCP_SERVERS: '[{"name":"gh","type":"http"}]' },
      /NANOCLAW_MCP_SERVERS: .*NANOCLAW_HOST_URL/,
    ],
    [{ ...base, NANOCLAW_MCP_SERVERS: '[{"name":"gh","type":"sse"}]' }, /NANOCLAW_MCP_SERVERS/],
  ])('fails naming the variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the token file and derives the proxy URL from the host URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-cfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'token'), `${token}\n`);
      const c = loadConfig({
        ...base,
        NANOCLAW_PROVIDER: 'claude',
        NANOCLAW_HOST_URL: 'http://127.0.0.1:7000/',
        NANOCLAW_SESSION_TOKEN_FILE: path.join(dir, 'token'),
      });
      expect(c.sessionToken).toBe(token);
      expect(c.anthropicBaseUrl).toBe('http://127.0.0.1:7000/proxy/anthropic');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
